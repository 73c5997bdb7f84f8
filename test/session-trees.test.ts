// Session trees through the public package (ESM and CJS) and the CLI: a session's cost is its
// tree's (subagents, forks, continuations, across harnesses), and stamps label the tree below
// them. Real log files in temporary stores, ingested into temporary ledgers.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assistant, claudeStore } from './helpers/claude-log.js';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { repoRoot } from './helpers/paths.js';
import { entryPoints } from './helpers/sdk.js';

type Store = ReturnType<typeof claudeStore>;

/** `n` responses of `session` from minute `at`; the first row may name a parent. */
function rows(session: string, n: number, at: number, extra: Record<string, string> = {}): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const line = assistant({
      session,
      msg: `${session}-m${i}`,
      req: `${session}-r${i}`,
      usage: { input: 10, output: 100 + i, cacheRead: 1000 },
      ts: `2026-03-01T10:${String(at + i).padStart(2, '0')}:00.000Z`,
    });
    out +=
      i === 0 && Object.keys(extra).length > 0
        ? `${JSON.stringify({ ...JSON.parse(line), ...extra })}\n`
        : line;
  }
  return out;
}

/** A subagent transcript of `parent`; returns its session id (`<parent>/agent-<id>`). */
function subagent(store: Store, parent: string, agent: string, n: number, at: number): string {
  const dir = join(store.dir, parent, 'subagents');
  mkdirSync(dir, { recursive: true });
  const text = rows(parent, n, at)
    .split('\n')
    .filter(Boolean)
    .map((l, i) =>
      JSON.stringify({
        ...JSON.parse(l),
        isSidechain: true,
        agentId: agent,
        uuid: `${agent}-${i}`,
        requestId: `${agent}-r${i}`,
        message: { ...JSON.parse(l).message, id: `${parent}-${agent}-m${i}` },
      }),
    )
    .join('\n');
  writeFileSync(join(dir, `agent-${agent}.jsonl`), `${text}\n`);
  return `${parent}/agent-${agent}`;
}

const CODEX_SAMPLE = join(
  repoRoot,
  'packages/cli/samples/codex/sessions/2026/05/18/rollout-2026-05-18T10-15-02-019a7c2e-5b1d-7f40-a8c3-6e2b9d1f4a70.jsonl',
);
const CODEX_ID = '019a7c2e-5b1d-7f40-a8c3-6e2b9d1f4a70';

describe.each(entryPoints)('session trees via %s', (_name, sdk) => {
  it('a stamp before ingest labels the subagents and forks; a stamp after overrides below', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    await sdk.writeStamp({ ledgerHome, sessionId: 'root', enrichment: { persona: 'reviewer', team: 'a' } });
    store.write('root', rows('root', 3, 0));
    const agent = subagent(store, 'root', 'a1', 2, 5);
    store.write('fork', rows('fork', 2, 20, { forkSessionId: 'root' }));
    await sdk.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } });

    const persona = async () =>
      Object.fromEntries(
        (await sdk.summary({ ledgerHome, groupBy: 'tag:persona' })).groups.map((g) => [g.key, g.turns]),
      );
    expect(await persona()).toEqual({ reviewer: 7 });
    // A stamp written after ingest applies at once, to the fork and what is below it only.
    await sdk.writeStamp({ ledgerHome, sessionId: 'fork', enrichment: { persona: 'fixer' } });
    const forkAgent = subagent(store, 'fork', 'f1', 1, 30);
    await sdk.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } });
    expect(await persona()).toEqual({ reviewer: 5, fixer: 3 });
    const reviewer = await sdk.summary({ ledgerHome, tags: { persona: 'reviewer' }, groupBy: 'session' });
    expect(Object.fromEntries(reviewer.groups.map((g) => [g.key, g.turns]))).toEqual({ root: 3, [agent]: 2 });
    // Keys the fork does not override still come from the root.
    const team = await sdk.summary({ ledgerHome, tags: { team: 'a', persona: 'fixer' }, groupBy: 'session' });
    expect(Object.fromEntries(team.groups.map((g) => [g.key, g.turns]))).toEqual({ fork: 2, [forkAgent]: 1 });

    // One tree: root, its subagent, the fork and the fork's subagent, depth first.
    const trees = await sdk.sessions({ ledgerHome });
    expect(trees).toHaveLength(1);
    const [tree] = trees;
    expect(tree?.sessionId).toBe('root');
    expect(tree?.descendantCount).toBe(3);
    expect(tree?.descendants.map((d) => [d.sessionId, d.parentSessionId, d.relationship])).toEqual([
      [agent, 'root', 'subagent'],
      ['fork', 'root', 'fork'],
      [forkAgent, 'fork', 'subagent'],
    ]);
    expect(tree?.turns).toBe(8);
    expect(tree?.own.turns).toBe(3);
    const sum = [tree?.own, ...(tree?.descendants ?? []).map((d) => d.own)].reduce(
      (n, t) => n + (t?.costUsd ?? 0),
      0,
    );
    expect(tree?.costUsd).toBeCloseTo(sum, 9);
    expect(tree?.descendants.find((d) => d.sessionId === forkAgent)?.tags).toEqual({
      persona: 'fixer',
      team: 'a',
    });

    const flat = await sdk.sessions({ ledgerHome, flat: true });
    expect(flat.map((s) => s.sessionId).sort()).toEqual([agent, forkAgent, 'fork', 'root'].sort());
    expect(flat.find((s) => s.sessionId === 'root')).toMatchObject({ turns: 3, descendantCount: 3 });
  });

  it('by session: the tree by default, its own turns with descendants: false', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    store.write('p', rows('p', 2, 0));
    subagent(store, 'p', 'x', 3, 5);
    store.write('other', rows('other', 1, 40));
    await sdk.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } });

    expect((await sdk.summary({ ledgerHome, session: 'p' })).totals.turns).toBe(5);
    expect((await sdk.summary({ ledgerHome, session: 'p', descendants: false })).totals.turns).toBe(2);
    const tree = await sdk.sessionCost({ ledgerHome, sessionId: 'p' });
    const own = await sdk.sessionCost({ ledgerHome, sessionId: 'p', descendants: false });
    expect([tree.totals.turns, own.totals.turns]).toEqual([5, 2]);
    expect(tree.totals.costUsd).toBeGreaterThan(own.totals.costUsd);
    const byRoot = await sdk.summary({ ledgerHome, groupBy: 'root' });
    expect(Object.fromEntries(byRoot.groups.map((g) => [g.key, g.turns]))).toEqual({ p: 5, other: 1 });
    const bySession = await sdk.summary({ ledgerHome, groupBy: 'session' });
    expect(bySession.groups).toHaveLength(3);

    // The session's fingerprint moves with its tree, not with unrelated sessions.
    const fp = await sdk.fingerprint({ ledgerHome, sessionId: 'p' });
    const fpOwn = await sdk.fingerprint({ ledgerHome, sessionId: 'p', descendants: false });
    store.write('other', rows('other', 2, 40));
    await sdk.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } });
    expect(await sdk.fingerprint({ ledgerHome, sessionId: 'p' })).toBe(fp);
    subagent(store, 'p', 'y', 1, 50);
    await sdk.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } });
    expect(await sdk.fingerprint({ ledgerHome, sessionId: 'p' })).not.toBe(fp);
    expect(await sdk.fingerprint({ ledgerHome, sessionId: 'p', descendants: false })).toBe(fpOwn);

    for (const [call, field] of [
      [() => sdk.summary({ ledgerHome, descendants: false }), 'descendants'],
      [() => sdk.summary({ ledgerHome, session: 'p', descendants: 'no' as never }), 'descendants'],
      [() => sdk.sessionCost({ ledgerHome, sessionId: 'p', descendants: 1 as never }), 'descendants'],
      [() => sdk.fingerprint({ ledgerHome, descendants: true }), 'descendants'],
      [() => sdk.sessions({ ledgerHome, flat: 'yes' as never }), 'flat'],
      [() => sdk.summary({ ledgerHome, groupBy: 'roots' as never }), 'groupBy'],
    ] as const) {
      await expect(call()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field });
    }
  });

  it('a parent of another harness: a Claude Code fork of a Codex session', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    store.write('cc-fork', rows('cc-fork', 2, 0, { forkSessionId: CODEX_ID }));
    const codexHome = tempHome('codex');
    const day = join(codexHome, 'sessions', '2026', '05', '18');
    mkdirSync(day, { recursive: true });
    // The child first (its parent is only a name), then the parent's own log.
    await sdk.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } });
    copyFileSync(CODEX_SAMPLE, join(day, CODEX_SAMPLE.split('/').pop() as string));
    await sdk.ingest({ ledgerHome, roots: { codex: [codexHome] } });

    const codexOwn = await sdk.sessionCost({ ledgerHome, sessionId: CODEX_ID, descendants: false });
    expect(codexOwn.totals.turns).toBe(3); // the sample's three API calls
    expect((await sdk.sessionCost({ ledgerHome, sessionId: CODEX_ID })).totals.turns).toBe(5);
    const trees = await sdk.sessions({ ledgerHome });
    expect(trees.map((t) => [t.sessionId, t.harness, t.descendantCount])).toEqual([[CODEX_ID, 'codex', 1]]);
    expect(trees[0]?.descendants.map((d) => [d.sessionId, d.harness])).toEqual([['cc-fork', 'claude-code']]);
    // No placeholder is left under the child's harness.
    expect((await sdk.sessions({ ledgerHome, flat: true })).map((s) => s.harness).sort()).toEqual([
      'claude-code',
      'codex',
    ]);
    await sdk.writeStamp({ ledgerHome, sessionId: CODEX_ID, enrichment: { spawner: 'pear' } });
    const pear = await sdk.summary({ ledgerHome, tags: { spawner: 'pear' }, groupBy: 'harness' });
    expect(Object.fromEntries(pear.groups.map((g) => [g.key, g.turns]))).toEqual({
      codex: 3,
      'claude-code': 2,
    });
  });

  it('a link that would close a cycle is refused and reported', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    store.write('a', rows('a', 1, 0));
    store.write('b', rows('b', 1, 5, { forkSessionId: 'a' }));
    await sdk.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } });
    store.write('a', rows('a', 2, 0, { continuedFromSessionId: 'b' }));
    const report = await sdk.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]?.file).toBe(store.file('a'));
    expect(report.errors[0]?.message).toMatch(/session a .*cycle/);
    const trees = await sdk.sessions({ ledgerHome });
    expect(trees.map((t) => [t.sessionId, t.descendantCount, t.turns])).toEqual([['a', 1, 3]]);
  });

  it('a pending stamp claimed by a parent labels a subagent that arrives in a later ingest', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const cwd = tempHome('cwd');
    const spawn = Date.now() - 60_000;
    await sdk.writePendingStamp({
      ledgerHome,
      harness: 'claude-code',
      cwd,
      enrichment: { persona: 'reviewer' },
      spawnStartTs: new Date(spawn).toISOString(),
    });
    const at = (ms: number) => new Date(ms).toISOString();
    const line = (session: string, msg: string, ts: number) =>
      assistant({ session, msg, req: `r-${msg}`, usage: { output: 50 }, ts: at(ts), cwd });
    store.write('launched', line('launched', 'l1', spawn + 1000));
    expect(
      (await sdk.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } })).pendingStampsApplied,
    ).toBe(1);
    const dir = join(store.dir, 'launched', 'subagents');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'agent-late.jsonl'),
      `${[line('launched', 'x1', spawn + 5000), line('launched', 'x2', spawn + 6000)]
        .map((l) => JSON.stringify({ ...JSON.parse(l), isSidechain: true, agentId: 'late' }))
        .join('\n')}\n`,
    );
    await sdk.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } });
    const s = await sdk.summary({ ledgerHome, tags: { persona: 'reviewer' }, groupBy: 'session' });
    expect(Object.fromEntries(s.groups.map((g) => [g.key, g.turns]))).toEqual({
      launched: 1,
      'launched/agent-late': 2,
    });
  });
});

// A generated Claude Code corpus with subagent transcripts and resumed sessions: asked by
// session, each main session equals the API calls of its transcript, its subagents' and
// those of the sessions that continue it, per the generator's own tally.
interface Tally {
  bySession: Record<string, number>;
  turns: number;
}

describe('a generated corpus, asked by session', () => {
  let corpus: string;
  let tally: Tally;
  /** session → parent, read from the files (subagent paths, resumed files' first rows). */
  const parentOf = new Map<string, string>();

  beforeAll(() => {
    corpus = tempHome('tree-corpus');
    const r = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'bench', 'corpus', 'claude.mjs'),
        '--out',
        corpus,
        '--mb',
        '2',
        '--files',
        '30',
        '--seed',
        '11',
        '--quiet',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    tally = JSON.parse(readFileSync(join(corpus, 'tally.json'), 'utf8')) as Tally;
    const projects = join(corpus, 'projects');
    for (const slug of readdirSync(projects)) {
      for (const name of readdirSync(join(projects, slug))) {
        if (name.endsWith('.jsonl')) {
          const stem = name.slice(0, -'.jsonl'.length);
          const first = readFileSync(join(projects, slug, name), 'utf8')
            .split('\n')
            .map((l) => (l ? (JSON.parse(l) as { sessionId?: string }) : {}))
            .find((row) => row.sessionId);
          if (first?.sessionId && first.sessionId !== stem) parentOf.set(stem, first.sessionId);
        } else {
          for (const a of readdirSync(join(projects, slug, name, 'subagents'))) {
            if (a.endsWith('.jsonl')) parentOf.set(`${name}/${a.slice(0, -'.jsonl'.length)}`, name);
          }
        }
      }
    }
  });

  it.each(entryPoints)('equals the tally of the session and everything below it (%s)', async (_name, sdk) => {
    const ledgerHome = tempHome();
    const report = await sdk.ingest({ ledgerHome, roots: { 'claude-code': [corpus] } });
    expect(report.errors).toEqual([]);
    const below = (s: string): string[] => [
      s,
      ...[...parentOf].filter(([, p]) => p === s).flatMap(([c]) => below(c)),
    ];
    const expected = (s: string) => below(s).reduce((n, x) => n + (tally.bySession[x] ?? 0), 0);
    const withSubagents = [
      ...new Set([...parentOf].filter(([c]) => c.includes('/agent-')).map(([, p]) => p)),
    ];
    expect(withSubagents.length).toBeGreaterThan(3);
    let undercounted = 0;
    for (const s of withSubagents) {
      const tree = await sdk.sessionCost({ ledgerHome, sessionId: s });
      expect(tree.totals.turns, s).toBe(expected(s));
      const own = await sdk.sessionCost({ ledgerHome, sessionId: s, descendants: false });
      expect(own.totals.turns, s).toBe(tally.bySession[s] ?? 0);
      if (own.totals.turns < tree.totals.turns) undercounted++;
    }
    expect(undercounted).toBe(withSubagents.length);
    // The trees add up to the ledger, one row per root.
    const trees = await sdk.sessions({ ledgerHome, limit: 10_000 });
    expect(trees.reduce((n, t) => n + t.turns, 0)).toBe(tally.turns);
    for (const t of trees) expect(t.turns, t.sessionId).toBe(expected(t.sessionId));
  });
});

describe('the CLI', () => {
  it('prints trees, --flat, --session-only and the tree of one session', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    store.write('p', rows('p', 2, 0));
    const agent = subagent(store, 'p', 'x', 3, 5);
    subagent(store, 'p', 'y', 1, 10);
    store.write('q', rows('q', 1, 30, { forkSessionId: 'p' }));
    const env = { RELAYBURN_HOME: ledgerHome };
    expect(
      burn(['ingest', '--json', '--quiet', '--ledger-home', ledgerHome], {
        CLAUDE_CONFIG_DIR: store.root,
        CODEX_HOME: tempHome('none'),
        OPENCODE_DATA_DIR: tempHome('none'),
      }).status,
    ).toBe(0);

    const tree = burn(['sessions'], env);
    expect(tree.status).toBe(0);
    const lines = tree.stdout.trim().split('\n');
    expect(lines).toHaveLength(5); // header, p, and its three children
    expect(lines[1]).toMatch(/^\S.*\bp\b/);
    expect(lines[2]).toMatch(/├─ …\/agent-x/);
    expect(lines[3]).toMatch(/├─ …\/agent-y/);
    expect(lines[4]).toMatch(/└─ q\b.*fork/);

    const flat = JSON.parse(burn(['sessions', '--flat', '--json'], env).stdout) as Array<{
      sessionId: string;
    }>;
    expect(flat.map((s) => s.sessionId).sort()).toEqual([agent, 'p/agent-y', 'p', 'q'].sort());
    const trees = JSON.parse(burn(['sessions', '--json'], env).stdout) as Array<{ turns: number }>;
    expect(trees.map((t) => t.turns)).toEqual([7]);

    const total = JSON.parse(burn(['summary', '--session', 'p', '--json'], env).stdout);
    const only = JSON.parse(burn(['summary', '--session', 'p', '--session-only', '--json'], env).stdout);
    expect([total.totals.turns, only.totals.turns]).toEqual([7, 2]);
    const bad = burn(['summary', '--session-only'], env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--session-only needs --session/);

    const one = burn(['session', 'p'], env);
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/with subtree .* 7 turns/);
    expect(one.stdout).toMatch(/└─ q/);
    const byRoot = JSON.parse(burn(['summary', '--by', 'root', '--json'], env).stdout);
    expect(byRoot.groups.map((g: { key: string; turns: number }) => [g.key, g.turns])).toEqual([['p', 7]]);
  });
});

// A generated mixed corpus (Claude Code subagents and resumes, Codex forks and subagents,
// OpenCode child sessions): every tree's totals are the sum of its sessions' own, the trees add
// up to the ledger, and each session asked by session gives its subtree.
describe('a generated mixed corpus', () => {
  it.each(entryPoints)('keeps the tree invariants (%s)', async (_name, sdk) => {
    const out = tempHome('tree-mixed');
    const r = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'bench', 'corpus', 'mixed.mjs'),
        '--out',
        out,
        '--mb',
        '2',
        '--files',
        '30',
        '--seed',
        '5',
        '--quiet',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const ledgerHome = tempHome();
    const report = await sdk.ingest({
      ledgerHome,
      roots: {
        'claude-code': [join(out, 'claude')],
        codex: [join(out, 'codex')],
        opencode: [join(out, 'opencode')],
      },
    });
    expect(report.errors).toEqual([]);
    const total = (await sdk.summary({ ledgerHome })).totals;
    const trees = await sdk.sessions({ ledgerHome, limit: 100_000 });
    const flat = await sdk.sessions({ ledgerHome, flat: true, limit: 100_000 });
    const keys = ['turns', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'totalTokens'] as const;
    const sum = (rows: Array<Record<(typeof keys)[number], number>>) =>
      Object.fromEntries(keys.map((k) => [k, rows.reduce((n, x) => n + x[k], 0)]));
    expect(sum(trees)).toEqual(sum([total]));
    expect(sum(flat)).toEqual(sum([total]));
    let linked = 0;
    for (const t of trees) {
      expect(sum([t]), t.sessionId).toEqual(sum([t.own, ...t.descendants.map((d) => d.own)]));
      expect(t.descendantCount).toBe(t.descendants.length);
      linked += t.descendantCount;
      if (t.descendantCount > 0) {
        const cost = await sdk.sessionCost({ ledgerHome, sessionId: t.sessionId });
        expect(cost.totals.turns).toBe(t.turns);
        expect(cost.totals.costUsd).toBeCloseTo(t.costUsd, 6);
      }
    }
    // Every session is in exactly one tree, and the corpus has trees in every harness.
    expect(trees.length + linked).toBe(flat.length);
    const harnesses = new Set(trees.filter((t) => t.descendantCount > 0).map((t) => t.harness));
    expect([...harnesses].sort()).toEqual(['claude-code', 'codex', 'opencode']);
  });
});
