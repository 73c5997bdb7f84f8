// Issue 23, the CLI and validation half: hostile text from logs never reaches the terminal as
// escape sequences, a closed or full standard output ends quietly, tag keys such as
// `__proto__` are data, and bad arguments get one clear INVALID_ARGUMENT message (never the
// SDK's function names or a parser's internals).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { cliMain, repoRoot } from './helpers/paths.js';
import { entryPoints, esm } from './helpers/sdk.js';

const ESC = '\u001b';
const BEL = '\u0007';
// Clear screen, a clipboard write (OSC 52), a window title, a bidi override.
const CLEAR = `${ESC}[2J`;
const CLIP = `${ESC}]52;c;cHduZWQ=${BEL}`;
const TITLE = `${ESC}]0;owned${BEL}`;
const RLO = '\u202e';

const claudeRow = (o: {
  session: string;
  id: string;
  model: string;
  cwd: string;
  branch: string;
  tool: string;
}) =>
  `${JSON.stringify({
    type: 'assistant',
    sessionId: o.session,
    timestamp: '2026-03-01T10:00:00.000Z',
    requestId: `req-${o.id}`,
    cwd: o.cwd,
    gitBranch: o.branch,
    message: {
      id: o.id,
      model: o.model,
      stop_reason: 'tool_use',
      content: [{ type: 'tool_use', id: `tu-${o.id}`, name: o.tool, input: { command: 'ls' } }],
      usage: { input_tokens: 100, output_tokens: 10 },
    },
  })}\n`;
const userRow = (session: string, text: string) =>
  `${JSON.stringify({
    type: 'user',
    sessionId: session,
    cwd: '/work/app',
    timestamp: '2026-03-01T09:59:59.000Z',
    uuid: `u-${session}`,
    message: { role: 'user', content: text },
  })}\n`;

let home = '';
const EVIL = 'evil-1';

beforeAll(async () => {
  home = tempHome();
  const store = tempHome('store');
  mkdirSync(join(store, 'projects', '-work-app'), { recursive: true });
  writeFileSync(
    join(store, 'projects', '-work-app', `${EVIL}.jsonl`),
    userRow(EVIL, `please ${CLEAR}fix${CLIP} it`) +
      claudeRow({
        session: EVIL,
        id: 'msg_e1',
        model: `claude-sonnet-4-5${TITLE}`,
        cwd: `/work/${CLEAR}app`,
        branch: `main${CLIP}`,
        tool: `Bash${TITLE}${RLO}`,
      }),
  );
  writeFileSync(
    join(store, 'projects', '-work-app', 'plain-1.jsonl'),
    claudeRow({
      session: 'plain-1',
      id: 'msg_p1',
      model: 'claude-sonnet-4-5',
      cwd: '/work/app',
      branch: 'main',
      tool: 'Read',
    }),
  );
  const report = await esm.ingest({ ledgerHome: home, roots: { 'claude-code': [store] } });
  expect(report.turnsAdded).toBe(2);
  await esm.writeStamp({
    ledgerHome: home,
    sessionId: EVIL,
    enrichment: { persona: `rev${CLEAR}iewer${CLIP}` },
  });
});

/** No raw control characters or bidi overrides in what a terminal would get. */
function expectSafe(text: string, what: string): void {
  expect(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(text.replaceAll('\n', '')), what).toBe(false);
}

describe('escape sequences from logs are printed visibly', () => {
  const views: Array<[string, string[]]> = [
    ['sessions', ['sessions']],
    ['session', ['session', EVIL]],
    ['session --content', ['session', EVIL, '--content']],
    ...['project', 'branch', 'model', 'modelRaw', 'tool', 'tag:persona'].map((by): [string, string[]] => [
      `summary --by ${by}`,
      ['summary', '--by', by],
    ]),
  ];
  it.each(views)('%s', (_name, args) => {
    const r = burn([...args, '--ledger-home', home]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expectSafe(r.stdout, args.join(' '));
    expect(r.stdout).toContain('\\x1b');
  });

  it('keeps JSON output exact', () => {
    const r = burn(['sessions', '--json', '--ledger-home', home]);
    const rows = JSON.parse(r.stdout) as Array<{ sessionId: string; tags: Record<string, string> }>;
    expect(rows.find((s) => s.sessionId === EVIL)?.tags.persona).toBe(`rev${CLEAR}iewer${CLIP}`);
  });

  it('shows labels of burn stamp visibly', () => {
    const h = tempHome();
    const r = burn(['stamp', '--session', 's', `k=a${CLEAR}b`, '--ledger-home', h]);
    expect(r.status).toBe(0);
    expectSafe(r.stdout, 'stamp');
    expect(r.stdout).toContain('k=a\\x1b[2Jb');
  });
});

/** Runs burn with its standard output closed before it writes anything. */
function burnIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed or full standard output', () => {
  it('EPIPE (burn … | head) exits quietly', async () => {
    for (const args of [
      ['--help'],
      ['sessions', '--ledger-home', home],
      ['summary', '--json', '--ledger-home', home],
    ]) {
      const r = await burnIntoClosedPipe(args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(0);
    }
  });

  it.runIf(existsSync('/dev/full'))('a full device gives one line, no stack trace', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const { spawnSync } = createRequire(import.meta.url)(
        'node:child_process',
      ) as typeof import('node:child_process');
      const r = spawnSync(process.execPath, [cliMain, 'sessions', '--ledger-home', home], {
        stdio: ['ignore', fd, 'pipe'],
        encoding: 'utf8',
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('burn: cannot write to standard output: no space left on the device\n');
    } finally {
      closeSync(fd);
    }
  });
});

describe.each(entryPoints)('tag keys are data (%s)', (_name, sdk) => {
  it('__proto__ and constructor are stored, read back and filtered on', async () => {
    const h = tempHome();
    const store = tempHome('store');
    mkdirSync(join(store, 'projects', '-work-app'), { recursive: true });
    for (const s of ['pa', 'pb']) {
      writeFileSync(
        join(store, 'projects', '-work-app', `${s}.jsonl`),
        claudeRow({
          session: s,
          id: `m-${s}`,
          model: 'claude-sonnet-4-5',
          cwd: '/work/app',
          branch: 'main',
          tool: 'Read',
        }),
      );
    }
    await sdk.ingest({ ledgerHome: h, roots: { 'claude-code': [store] } });
    // As a caller builds such an object: JSON, or a computed key.
    const enrichment = JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>;
    await sdk.writeStamp({ ledgerHome: h, sessionId: 'pa', enrichment });
    const [stamp] = await sdk.stamps({ ledgerHome: h });
    expect(Object.keys(stamp?.enrichment ?? {}).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(stamp?.enrichment)).toBe(Object.prototype);
    const tags = JSON.parse('{"__proto__":"x"}') as Record<string, string>;
    expect((await sdk.summary({ ledgerHome: h, tags })).totals.turns).toBe(1);
    expect((await sdk.sessions({ ledgerHome: h, tags })).map((s) => s.sessionId)).toEqual(['pa']);
    const groups = await sdk.summary({ ledgerHome: h, groupBy: 'tag:__proto__' });
    expect(groups.groups.map((g) => g.key).sort()).toEqual(['(none)', 'x']);
    const rows = await sdk.sessions({ ledgerHome: h });
    expect(Object.entries(rows.find((s) => s.sessionId === 'pa')?.tags ?? {})).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    // A bad value under such a key is still refused, naming it.
    const bad = JSON.parse('{"__proto__":1}') as Record<string, string>;
    await expect(sdk.writeStamp({ ledgerHome: h, sessionId: 'pa', enrichment: bad })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'enrichment.__proto__',
    });
  });
});

describe('burn with tag keys such as __proto__', () => {
  it('stamps them and filters on them', () => {
    const h = tempHome();
    const store = tempHome('store');
    mkdirSync(join(store, 'projects', '-work-app'), { recursive: true });
    for (const s of ['qa', 'qb']) {
      writeFileSync(
        join(store, 'projects', '-work-app', `${s}.jsonl`),
        claudeRow({
          session: s,
          id: `m-${s}`,
          model: 'claude-sonnet-4-5',
          cwd: '/work/app',
          branch: 'main',
          tool: 'Read',
        }),
      );
    }
    expect(burn(['ingest', '--quiet', '--ledger-home', h], { CLAUDE_CONFIG_DIR: store }).status).toBe(0);
    const stamp = burn([
      'stamp',
      '--session',
      'qa',
      '__proto__=x',
      'constructor=y',
      '--json',
      '--ledger-home',
      h,
    ]);
    expect(stamp.status).toBe(0);
    const exported = burn(['stamps', 'export', '--ledger-home', h]);
    expect(JSON.parse(exported.stdout).enrichment).toEqual(JSON.parse('{"__proto__":"x","constructor":"y"}'));
    const s = burn(['summary', '--json', '--tag', '__proto__=x', '--ledger-home', h]);
    expect(JSON.parse(s.stdout).totals.turns).toBe(1);
    const none = burn(['summary', '--json', '--tag', '__proto__=nope', '--ledger-home', h]);
    expect(JSON.parse(none.stdout).totals.turns).toBe(0);
    const rows = burn(['sessions', '--json', '--tags', 'constructor=y', '--ledger-home', h]);
    expect((JSON.parse(rows.stdout) as Array<{ sessionId: string }>).map((r) => r.sessionId)).toEqual(['qa']);
  });
});

describe.each(entryPoints)('bad arguments are INVALID_ARGUMENT with a clear message (%s)', (_name, sdk) => {
  const h = () => tempHome();
  const rejects = async (p: Promise<unknown>, field: string, says?: RegExp) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e as { code: string; field?: string; message: string },
    );
    expect(err, field).toBeDefined();
    expect(err?.code).toBe('INVALID_ARGUMENT');
    expect(err?.field).toBe(field);
    if (says) expect(err?.message).toMatch(says);
    expect(err?.message).not.toMatch(/failed to parse|parsing|jiff|internal/i);
  };

  it('refuses a lone surrogate instead of rewriting it', async () => {
    const ledgerHome = h();
    await rejects(
      sdk.writeStamp({ ledgerHome, sessionId: 'a\ud800b', enrichment: { k: 'v' } }),
      'sessionId',
      /lone surrogate/,
    );
    await rejects(
      sdk.writeStamp({ ledgerHome, sessionId: 's', enrichment: { k: '\udc00' } }),
      'enrichment.k',
    );
    await rejects(sdk.session({ ledgerHome, sessionId: '\ud83d' }), 'sessionId');
    await rejects(sdk.summary({ ledgerHome, tags: { ['k\ud800']: 'v' } }), 'tags');
    expect(await sdk.stamps({ ledgerHome })).toEqual([]);
    // A well-formed pair (an emoji) is fine.
    await sdk.writeStamp({ ledgerHome, sessionId: 's\ud83d\ude00', enrichment: { k: 'v' } });
  });

  it('refuses control characters in a groupBy tag key and NUL in ledgerHome', async () => {
    await rejects(sdk.summary({ ledgerHome: h(), groupBy: 'tag:a\u0000' }), 'groupBy', /control characters/);
    await rejects(sdk.summary({ ledgerHome: h(), groupBy: 'tag:a\nb' }), 'groupBy');
    await rejects(sdk.status({ ledgerHome: `${h()}\u0000x` }), 'ledgerHome', /NUL/);
  });

  it('names the line of invalid UTF-8 in an import', async () => {
    const ledgerHome = h();
    const file = join(ledgerHome, 'bad.jsonl');
    const good =
      '{"id":"0000000000000001","sessionId":"s","enrichment":{"k":"v"},"ts":"2026-05-21T12:00:00.000Z"}\n';
    writeFileSync(file, Buffer.concat([Buffer.from(good), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]));
    await rejects(sdk.importStamps({ ledgerHome, path: file }), 'path', /line 2: is not valid UTF-8/);
    expect(await sdk.stamps({ ledgerHome })).toEqual([]);
  });

  it('accepts instants in one documented range, with clear messages outside it', async () => {
    const ledgerHome = h();
    const stamp = (ts: string) => sdk.writeStamp({ ledgerHome, sessionId: 's', enrichment: { k: 'v' }, ts });
    expect((await stamp('0001-01-01T00:00:00Z')).ts).toBe('0001-01-01T00:00:00.000Z');
    expect((await stamp('9998-12-31T23:59:59.999Z')).ts).toBe('9998-12-31T23:59:59.999Z');
    expect((await stamp('2026-05-21T12:00:00.123456789Z')).ts).toBe('2026-05-21T12:00:00.123Z');
    const range = /out of range \(0001-01-01T00:00:00Z to 9998-12-31T23:59:59\.999Z\)/;
    await rejects(stamp('0000-01-01T00:00:00Z'), 'ts', range);
    await rejects(stamp('9999-01-01T00:00:00Z'), 'ts', range);
    await rejects(stamp('9999-12-31T23:59:59Z'), 'ts', range);
    await rejects(stamp('2026-05-21T12:00:00.1234567890Z'), 'ts', /10 fraction digits; at most 9/);
    await rejects(
      sdk.summary({ ledgerHome, since: '2026-05-21T12:00:00.1234567890Z' }),
      'since',
      /at most 9/,
    );
    await rejects(sdk.summary({ ledgerHome, until: '9999-06-01T00:00:00Z' }), 'until', range);
  });
});

describe('burn argument messages', () => {
  it('--since -5d says what is wrong', () => {
    const r = burn(['summary', '--since', '-5d', '--ledger-home', tempHome()]);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toContain('needs a value');
    expect(r.stderr).toMatch(/--since 5d/);
  });

  it('--limit takes decimal digits only', () => {
    for (const limit of ['0x10', '1e3', '0', '-1', '2.5']) {
      const r = burn(['sessions', `--limit=${limit}`, '--ledger-home', tempHome()]);
      expect(r.status, limit).toBe(2);
    }
    const ok = burn(['sessions', '--limit', '10', '--ledger-home', tempHome()]);
    expect(ok.status).toBe(0);
  });

  it('never names SDK functions', () => {
    const h = tempHome();
    const cases = [
      ['stamps', 'import', join(h, 'missing.jsonl'), '--ledger-home', h],
      ['summary', '--since', '2026-05-21T12:00:00.1234567890Z', '--ledger-home', h],
      ['stamp', '--session', 's', '--ts', '0000-01-01T00:00:00Z', 'k=v', '--ledger-home', h],
      ['summary', '--by', 'tag:a\u0001', '--ledger-home', h],
      ['stamps', 'export', '--out', join(h, 'no-such-dir', 'x.jsonl'), '--ledger-home', h],
    ];
    for (const args of cases) {
      const r = burn(args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/^burn: /);
      expect(r.stderr, args.join(' ')).not.toMatch(
        /importStamps|exportStamps|writeStamp|summary:|pruneContent/,
      );
      expectSafe(r.stderr, args.join(' '));
    }
  });

  it('the disk-full hint talks about disk space', () => {
    // The hint of an IO error as the SDK reports SQLite's SQLITE_FULL and ENOSPC.
    const { hintFor } = createRequire(import.meta.url)(cliMain) as {
      hintFor: (e: { code: string; message: string; path?: string }) => string | undefined;
    };
    for (const message of [
      'ingest: /h/ledger.sqlite: database or disk is full',
      'exportStamps: /h/out.jsonl: No space left on device (os error 28)',
    ]) {
      const hint = hintFor({ code: 'IO', message, path: '/h/ledger.sqlite' }) ?? '';
      expect(hint).toMatch(/disk is full: free some space/);
      expect(hint).not.toMatch(/readable|writable|permission/);
    }
    expect(hintFor({ code: 'IO', message: 'x: Permission denied (os error 13)', path: '/h' })).toMatch(
      /readable/,
    );
  });
});
