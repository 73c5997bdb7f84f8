// Start-up: importing the SDK loads neither zod nor the native addon; the CLI's
// frequent commands load no zod; and the SDK's fast path (`quick.ts`) accepts only options its
// zod schemas accept unchanged, so skipping zod never changes a result or an error.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { assistant, claudeStore } from './helpers/claude-log.js';
import { tempHome } from './helpers/home.js';
import { cliMain, repoRoot } from './helpers/paths.js';

const work = tempHome('startup');
const preload = join(work, 'loaded.cjs');
// Writes the files of every module loaded by the end of the process, and Node's list of the
// built-in modules it loaded, to $LOADED_OUT.
writeFileSync(
  preload,
  `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_OUT, JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));`,
);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  loaded: string[];
  builtins: string[];
}

let runs = 0;
function node(args: string[], env: Record<string, string> = {}, input?: string): Run {
  const out = join(work, `loaded-${runs++}.json`);
  const r = spawnSync(process.execPath, ['--require', preload, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', LOADED_OUT: out, ...env },
  });
  const { files, builtins } = JSON.parse(readFileSync(out, 'utf8')) as {
    files: string[];
    builtins: string[];
  };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded: files, builtins };
}

const zod = (loaded: string[]) => loaded.filter((f) => /[\\/]node_modules[\\/]zod[\\/]/.test(f));
// Built-ins a frequent command has no use for: streams and `net` (Node builds them with
// process.stdout/stderr on a pipe), zlib (push), child_process and http (other commands), and
// the ESM resolver (requiring a package through its `exports` map).
const HEAVY = ['net', 'stream', 'zlib', 'child_process', 'http', 'internal/modules/esm/resolve'];
const heavy = (r: Run) => r.builtins.filter((m) => HEAVY.some((h) => m === `NativeModule ${h}`));
const addon = (loaded: string[]) => loaded.filter((f) => /binding\.cjs$|\.node$/.test(f));

describe('start-up', () => {
  it('importing the SDK (CJS or ESM) loads neither zod nor the native addon', () => {
    for (const code of [
      "require('@relayburn/sdk')",
      "import('@relayburn/sdk').then((m) => { if (typeof m.summary !== 'function') process.exit(3); })",
    ]) {
      const r = node(['-e', code]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.loaded.some((f) => f.includes(join('packages', 'sdk', 'dist', 'index.js')))).toBe(true);
      expect(zod(r.loaded)).toEqual([]);
      expect(addon(r.loaded)).toEqual([]);
    }
  });

  it("a launcher's ingest with its own roots and harnesses loads no zod; a bad root still gets zod's words", () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    store.write('S', assistant({ session: 'S', msg: 'm1', req: 'r1', usage: { output: 1000 } }));
    const call = (options: string) =>
      node([
        '-e',
        `require('@relayburn/sdk').ingest(${options}).then(
           (r) => console.log(JSON.stringify(r)),
           (e) => { console.log(JSON.stringify({ code: e.code, message: e.message })); });`,
      ]);
    const roots = JSON.stringify({ 'claude-code': [store.root], codex: [] });
    const good = call(
      `{ roots: ${roots}, harnesses: ['claude-code'], ledgerHome: ${JSON.stringify(ledgerHome)} }`,
    );
    expect(good.status, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout).turnsAdded).toBe(1);
    expect(zod(good.loaded)).toEqual([]);
    const bad = call(`{ roots: { 'claude-code': [1] }, ledgerHome: ${JSON.stringify(ledgerHome)} }`);
    expect(JSON.parse(bad.stdout)).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'ingest: roots.claude-code: must be an array of directory paths',
    });
    expect(zod(bad.loaded).length).toBeGreaterThan(0);
  });

  it('burn --version and --help load neither zod nor the addon', () => {
    for (const args of [['--version'], ['--help'], ['summary', '--help']]) {
      const r = node([cliMain, ...args]);
      expect(r.status, r.stderr).toBe(0);
      expect(zod(r.loaded)).toEqual([]);
      expect(addon(r.loaded)).toEqual([]);
    }
    // --version: the CLI's one file and nothing else, no stream built.
    const v = node([cliMain, '--version']);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
    expect(v.loaded.filter((f) => f !== preload)).toEqual([cliMain]);
    expect(heavy(v)).toEqual([]);
  });

  it('burn --version reads no other file; other runs use a code cache made from the same source only', () => {
    // A copy of the CLI's files, the SDK where Node would find it.
    const root = join(work, 'cli-copy');
    const dist = join(root, 'cli', 'dist');
    mkdirSync(dist, { recursive: true });
    mkdirSync(join(root, 'node_modules', '@relayburn'), { recursive: true });
    symlinkSync(
      join(repoRoot, 'packages', 'sdk'),
      join(root, 'node_modules', '@relayburn', 'sdk'),
      'junction',
    );
    const main = join(dist, 'main.js');
    copyFileSync(cliMain, main);
    // --version: the entry alone (no dist/cli.js yet).
    const version = node([main, '--version']);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toBe(node([cliMain, '--version']).stdout);

    const cli = join(dist, 'cli.js');
    copyFileSync(join(repoRoot, 'packages', 'cli', 'dist', 'cli.js'), cli);
    const cacheFile = `${cli}.${process.version}-${process.arch}.cache`;
    const help = (expected: string) => {
      const r = node([main, '--help']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(expected);
      expect(r.loaded).toContain(cli);
    };
    const expected = node([cliMain, '--help']).stdout;
    help(expected);
    const made = readFileSync(cacheFile);
    const source = readFileSync(cli);
    expect(made.subarray(0, source.length).equals(source)).toBe(true);
    expect(made.length).toBeGreaterThan(source.length);
    // Used as is: not written again.
    help(expected);
    expect(readFileSync(cacheFile).equals(made)).toBe(true);

    // The same length, other text: the cache is not used, and is made again.
    const edited = source
      .toString('utf8')
      .replaceAll('what your coding agents cost', 'WHAT YOUR CODING AGENTS COST');
    expect(Buffer.byteLength(edited)).toBe(source.length);
    writeFileSync(cli, edited);
    const shouting = expected.replace('what your coding agents cost', 'WHAT YOUR CODING AGENTS COST');
    expect(shouting).not.toBe(expected);
    help(shouting);
    expect(readFileSync(cacheFile).subarray(0, source.length).toString('utf8')).toBe(edited);

    // V8 data it rejects (the right source, damaged data): the right answer, a new cache.
    const damaged = Buffer.from(readFileSync(cacheFile));
    damaged.fill(0x5a, source.length + 16);
    writeFileSync(cacheFile, damaged);
    help(shouting);
    expect(readFileSync(cacheFile).equals(damaged)).toBe(false);
  });

  it('the command table names each command as its module does, in help order', async () => {
    const out = join(work, 'cli-commands');
    await build({
      entryPoints: [join(repoRoot, 'packages', 'cli', 'src', 'commands', 'index.ts')],
      outdir: out,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['@relayburn/dashboard', '@modelcontextprotocol/sdk'],
      plugins: [
        {
          // Built outside the repository: the SDK by its path.
          name: 'sdk',
          setup(b) {
            b.onResolve({ filter: /^@relayburn\/sdk$/ }, () => ({
              path: join(repoRoot, 'packages', 'sdk', 'dist', 'index.js'),
              external: true,
            }));
          },
        },
      ],
      logLevel: 'error',
    });
    const { COMMAND_LOADERS, allCommands } = createRequire(import.meta.url)(join(out, 'index.js')) as {
      COMMAND_LOADERS: ReadonlyArray<readonly [string, () => { name: string }]>;
      allCommands: () => Array<{ name: string }>;
    };
    expect(COMMAND_LOADERS.length).toBeGreaterThan(20);
    expect(allCommands().map((c) => c.name)).toEqual(COMMAND_LOADERS.map(([name]) => name));
    // burn --help lists them in this order.
    const help = node([cliMain, '--help']).stdout;
    const list = help.slice(help.indexOf('Commands:\n'), help.indexOf('\nGlobal options:'));
    const listed = [...list.matchAll(/^ {2}(\S+(?: \S+)?) {2,}/gm)].map((m) => m[1]);
    expect(listed).toEqual(COMMAND_LOADERS.map(([name]) => name));
  });

  it('summary, ingest and statusline load no zod, nor does a bad value (the core words it)', () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const transcript = store.write(
      'S',
      assistant({
        session: 'S',
        msg: 'm1',
        req: 'r1',
        usage: { output: 1000 },
        ts: new Date().toISOString(),
      }),
    );
    const env = {
      RELAYBURN_HOME: ledgerHome,
      CLAUDE_CONFIG_DIR: store.root,
      CODEX_HOME: work,
      OPENCODE_DATA_DIR: work,
    };
    const payload = JSON.stringify({ session_id: 'S', transcript_path: transcript, cwd: '/work/app' });
    for (const [args, input] of [
      [['ingest'], undefined],
      [['ingest', '--json'], undefined],
      [['summary', '--json'], undefined],
      [['summary', '--since', '7d', '--by', 'day', '--harness', 'claude-code'], undefined],
      [['statusline'], payload],
      [['statusline', '--json', '--timezone', 'Europe/Paris', '--week-start', 'sunday'], payload],
    ] as const) {
      const r = node([cliMain, ...args], env, input);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('burn: ?');
      expect(zod(r.loaded), args.join(' ')).toEqual([]);
      expect(addon(r.loaded).length).toBeGreaterThan(0);
      // Only its own command module's code ran, and the SDK was required by its file path.
      expect(heavy(r), args.join(' ')).toEqual([]);
      expect(r.loaded.some((f) => f.endsWith(join('sdk', 'dist', 'index.js')))).toBe(true);
    }
    const bad = node([cliMain, 'summary', '--since', 'last tuesday'], env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^burn: --since: "last tuesday" is not an ISO-8601 instant, a date/);
    expect(zod(bad.loaded)).toEqual([]);
  });

  it('the fast path accepts only what zod accepts, unchanged', () => {
    // The SDK ships as one bundle: build quick.ts and schemas.ts alone to reach them.
    const src = join(repoRoot, 'packages', 'sdk', 'src');
    const out = join(work, 'sdk-modules');
    buildSync({
      entryPoints: [join(src, 'quick.ts'), join(src, 'schemas.ts')],
      outdir: out,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'error',
    });
    const load = createRequire(import.meta.url);
    const { QUICK, quickAccepts } = load(join(out, 'quick.js')) as {
      QUICK: Record<string, Record<string, unknown>>;
      quickAccepts: (fn: string, input: unknown) => boolean;
    };
    const schemas = load(join(out, 'schemas.js')) as Record<
      string,
      { safeParse(v: unknown): { success: boolean; data?: unknown }; shape?: Record<string, unknown> }
    >;
    const schemaOf: Record<string, string> = {
      status: 'ledgerOptionsSchema',
      budgets: 'ledgerOptionsSchema',
      summary: 'summarySchema',
      sessionCost: 'sessionCostSchema',
      budgetStatus: 'budgetStatusSchema',
      ingest: 'ingestSchema',
      statusline: 'statuslineSchema',
    };
    expect(Object.keys(QUICK).sort()).toEqual(Object.keys(schemaOf).sort());
    const values: unknown[] = [
      undefined,
      null,
      '',
      ' ',
      '\t',
      'a',
      ' a ',
      'x'.repeat(256),
      'x'.repeat(257),
      'é'.repeat(256),
      '😀'.repeat(128),
      '😀'.repeat(129),
      '\ud800',
      'a\ud83d',
      'a\u0000b',
      'a\nb',
      '\u0085',
      '\u202e',
      '/home/me/.relayburn',
      'C:\\Users\\me',
      'UTC',
      'Europe/Paris',
      'monday',
      'sunday',
      'Monday',
      ' monday',
      'today',
      'Today',
      'yesterday',
      'this-week',
      'this-month',
      'last-week',
      '7d',
      '30m',
      '5min',
      '3mo',
      '24h',
      '4w',
      '7 d',
      ' 7d',
      '7y',
      '9999999999d',
      '2026-11-30',
      '2026-11-30T12:00:00Z',
      'claude-code',
      'codex',
      'opencode',
      'claude',
      'model',
      'day',
      'tool',
      'tag:persona',
      'full',
      'off',
      'hash-only',
      'none',
      0,
      1,
      -1,
      1.5,
      Number.NaN,
      true,
      false,
      [],
      ['claude-code'],
      ['claude-code', 'codex'],
      ['claude-code', 1],
      ['\ud800'],
      // biome-ignore lint/suspicious/noSparseArray: a hole is not a string
      [, 'codex'],
      {},
      { a: 'b' },
      { 'claude-code': ['/home/me/.claude'] },
      { 'claude-code': ['/a', '/b'], codex: [], opencode: undefined },
      { 'not-a-harness': ['/a'] },
      { 'claude-code': '/home/me/.claude' },
      { 'claude-code': ['/a', 2] },
      { 'claude-code': ['a\ud83d'] },
      { 'claude-code': null },
      Object.assign(Object.create(null), { codex: ['/x'] }),
      new Map([['codex', ['/x']]]),
      () => undefined,
      new AbortController().signal,
      new Date(),
    ];
    let accepted = 0;
    for (const [fn, checks] of Object.entries(QUICK)) {
      const schema = schemas[schemaOf[fn] ?? ''];
      if (!schema) throw new Error(`no schema for ${fn}`);
      // Every key the fast path knows is a key of the schema.
      expect(Object.keys(schema.shape ?? {})).toEqual(expect.arrayContaining(Object.keys(checks)));
      const base: Record<string, unknown> = fn === 'sessionCost' ? { sessionId: 's' } : {};
      expect(quickAccepts(fn, base), fn).toBe(true);
      for (const key of Object.keys(checks)) {
        for (const value of values) {
          const input = { ...base, [key]: value };
          if (!quickAccepts(fn, input)) continue;
          accepted++;
          const z = schema.safeParse(input);
          const what = `${fn} ${key}=${JSON.stringify(value) ?? typeof value}`;
          expect(z.success, what).toBe(true);
          expect(z.data, what).toEqual(input);
        }
      }
      // Unknown keys, non-plain objects and non-objects always go to zod.
      expect(quickAccepts(fn, { ...base, typo: 1 })).toBe(false);
      expect(quickAccepts(fn, { ...base, typo: undefined })).toBe(false);
      expect(quickAccepts(fn, Object.assign(Object.create({ ledgerHome: 1 }), base))).toBe(false);
      expect(quickAccepts(fn, undefined)).toBe(false);
      expect(quickAccepts(fn, [])).toBe(false);
    }
    expect(quickAccepts('writeStamp', { sessionId: 's', enrichment: { a: 'b' } })).toBe(false);
    expect(accepted).toBeGreaterThan(100);
  });
});
