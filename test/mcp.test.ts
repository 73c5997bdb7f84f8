// `burn mcp` through the official MCP SDK's client over stdio: initialize, tools/list, every
// tool's structuredContent equal to the SDK's answer, bad arguments as MCP error results (the
// server keeps answering), and an ingest before each answer (a turn appended to the transcript
// is in the next answer). The server reads only a temp Claude store (HOME and the harness
// variables point at temp dirs).
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistant, claudeStore } from './helpers/claude-log.js';
import { ALL_HARNESSES } from './helpers/harnesses.js';
import { tempHome } from './helpers/home.js';
import { cliMain } from './helpers/paths.js';
import { esm as sdk } from './helpers/sdk.js';

const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, s)).toISOString();
const store = claudeStore();
const transcript = store.write(
  'S',
  assistant({
    session: 'S',
    msg: 'm0',
    req: 'r0',
    ts: at(0),
    stop: 'tool_use',
    usage: { input: 100, output: 50, cache5m: 2_000 },
    content: [{ type: 'tool_use', id: 'tu1', name: 'Read', input: { file_path: '/work/app/big.ts' } }],
  }),
  `${JSON.stringify({
    type: 'user',
    sessionId: 'S',
    timestamp: at(1),
    uuid: 'u1',
    message: {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'tu1', content: 'x'.repeat(40_000) }],
    },
  })}\n`,
  assistant({
    session: 'S',
    msg: 'm1',
    req: 'r1',
    ts: at(2),
    usage: { input: 500, output: 100, cache5m: 12_000 },
  }),
  assistant({
    session: 'S',
    msg: 'm2',
    req: 'r2',
    ts: at(3),
    usage: { input: 10, output: 20, cacheRead: 14_000 },
  }),
);
const ledgerHome = tempHome();
const empty = tempHome('empty');
let client: Client;

type ToolResult = {
  isError?: boolean;
  structuredContent?: unknown;
  content: Array<{ type: string; text?: string }>;
};
const call = async (name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })) as ToolResult;

beforeAll(async () => {
  client = new Client({ name: 'relayburn-test', version: '0.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [cliMain, 'mcp', '--ledger-home', ledgerHome],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: empty,
        CLAUDE_CONFIG_DIR: store.root,
        CODEX_HOME: empty,
        OPENCODE_DATA_DIR: empty,
        XDG_DATA_HOME: empty,
      },
      stderr: 'pipe',
    }),
  );
}, 30_000);

afterAll(async () => {
  await client?.close();
});

describe('burn mcp', () => {
  it('initializes and lists the seven tools with JSON input schemas', async () => {
    expect(client.getServerVersion()?.name).toBe('relayburn');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ['compare', 'hotspots', 'overhead', 'session', 'sessions', 'stamp', 'summary'].sort(),
    );
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.description?.length).toBeGreaterThan(20);
    }
    const stamp = tools.find((t) => t.name === 'stamp');
    expect(stamp?.inputSchema.required).toEqual(['enrichment']);
    // The harness choices are the core's keys.
    const summary = tools.find((t) => t.name === 'summary');
    expect(summary?.inputSchema.properties?.harness).toMatchObject({ enum: [...ALL_HARNESSES] });
  });

  it("answers every tool with the SDK's result as structuredContent (after ingesting)", async () => {
    const summary = await call('summary', { groupBy: 'tool' });
    expect(summary.isError).toBeFalsy();
    expect(summary.structuredContent).toEqual(await sdk.summary({ ledgerHome, groupBy: 'tool' }));
    expect((summary.structuredContent as { totals: { turns: number } }).totals.turns).toBe(3);
    // The text block carries the same JSON, for clients without structured content.
    expect(summary.content[0]?.text).toContain(JSON.stringify(summary.structuredContent));

    const sessions = await call('sessions', { limit: 5 });
    expect(sessions.structuredContent).toEqual({ sessions: await sdk.sessions({ ledgerHome, limit: 5 }) });

    // No session named: the newest one (the server's cwd is not the transcript's project).
    const session = await call('session');
    expect(session.isError).toBeFalsy();
    expect(session.structuredContent).toEqual(await sdk.session({ ledgerHome, sessionId: 'S' }));
    expect(await call('session', { sessionId: 'S' })).toMatchObject({
      structuredContent: session.structuredContent,
    });

    const hot = await call('hotspots', { by: 'file' });
    expect(hot.structuredContent).toEqual(await sdk.hotspots({ ledgerHome, by: 'file' }));
    expect((hot.structuredContent as { rows: Array<{ key: string; tokens: number }> }).rows[0]).toMatchObject(
      {
        key: '/work/app/big.ts',
        tokens: 20_000,
      },
    );

    const over = await call('overhead', { limit: 3 });
    expect(over.structuredContent).toEqual(await sdk.overhead({ ledgerHome, limit: 3 }));

    const cmp = await call('compare', { models: ['claude-sonnet-4-5', 'gpt-5'] });
    expect(cmp.structuredContent).toEqual(
      await sdk.compare({ ledgerHome, models: ['claude-sonnet-4-5', 'gpt-5'] }),
    );

    const stamp = await call('stamp', { enrichment: { task: 'mcp-test' } });
    expect(stamp.isError).toBeFalsy();
    const receipt = stamp.structuredContent as { id: string; ts: string };
    const stored = await sdk.stamps({ ledgerHome, sessionId: 'S' });
    expect(stored.map((s) => [s.id, s.enrichment])).toContainEqual([receipt.id, { task: 'mcp-test' }]);
    const tagged = await call('summary', { tags: { task: 'mcp-test' } });
    expect((tagged.structuredContent as { totals: { turns: number } }).totals.turns).toBe(3);
  });

  it('bad arguments are MCP error results, and the server keeps answering', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['hotspots', { by: 'nope' }, 'by'],
      ['hotspots', { limit: 0 }, 'limit'],
      ['summary', { bogus: 1 }, 'bogus'],
      ['summary', { since: 'soon' }, 'since'],
      ['compare', { models: 'x' }, 'models'],
      ['sessions', { limit: -1 }, 'limit'],
      ['session', { sessionId: 'no-such-session' }, 'sessionId'],
      ['stamp', { enrichment: {} }, 'enrichment'],
      ['stamp', {}, 'enrichment'],
      ['overhead', { ledgerHome: '/tmp/elsewhere' }, 'ledgerHome'],
      ['nope', {}, 'unknown tool'],
    ];
    for (const [name, args, field] of cases) {
      const r = await call(name, args);
      expect(r.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect(r.content[0]?.text).toContain('INVALID_ARGUMENT');
      expect(r.content[0]?.text).toContain(field);
    }
    expect((await client.listTools()).tools).toHaveLength(7);
  });

  it('ingests new log bytes before answering', async () => {
    appendFileSync(
      transcript,
      assistant({
        session: 'S',
        msg: 'm3',
        req: 'r3',
        ts: at(4),
        usage: { input: 1, output: 1, cacheRead: 14_000 },
      }),
    );
    await new Promise((r) => setTimeout(r, 1_100)); // past the once-a-second ingest throttle
    const s = await call('summary');
    expect((s.structuredContent as { totals: { turns: number } }).totals.turns).toBe(4);
  });

  it('answers the calls in flight when the client closes stdin, then exits', () => {
    const lines = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'hotspots', arguments: { by: 'file' } },
      },
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'hotspots', arguments: { by: 'nope' } },
      },
    ];
    const r = spawnSync(process.execPath, [cliMain, 'mcp', '--ledger-home', ledgerHome], {
      input: `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`,
      encoding: 'utf8',
      timeout: 20_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: empty,
        CLAUDE_CONFIG_DIR: store.root,
        CODEX_HOME: empty,
        OPENCODE_DATA_DIR: empty,
      },
    });
    expect(r.status).toBe(0);
    const byId = new Map(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: number; result: ToolResult })
        .map((m) => [m.id, m.result]),
    );
    expect(byId.get(2)?.isError).toBeFalsy();
    expect(byId.get(2)?.structuredContent).toMatchObject({ by: 'file' });
    expect(byId.get(3)?.isError).toBe(true);
  });
});
