/**
 * `burn mcp`: an MCP server over stdio (the official `@modelcontextprotocol/sdk`), so an agent
 * can ask what its session costs and what eats its context without leaving the conversation.
 * Every tool is one SDK call: its arguments are the SDK function's options (validated there,
 * so a bad argument is the SDK's `INVALID_ARGUMENT` message as an MCP error result), and its
 * `structuredContent` is the SDK's result (lists wrapped in an object, as MCP requires one).
 * Before answering, new log bytes are ingested (an incremental pass: a no-change run only
 * stats files), so figures are current.
 */
import type { Server as ServerType } from '@modelcontextprotocol/sdk/server/index.js';
import type { StdioServerTransport as StdioType } from '@modelcontextprotocol/sdk/server/stdio.js';
import type * as McpTypes from '@modelcontextprotocol/sdk/types.js';
import * as sdk from '@relayburn/sdk';
import type { Command } from '../command.js';
import { UsageError } from '../usage.js';

type Json = Record<string, unknown>;

const bound = (what: string) => ({
  type: 'string',
  description: `${what}: an ISO-8601 instant, a date (2026-11-30), today, yesterday, this-week, this-month, or relative (30m, 24h, 7d, 4w, 3mo)`,
});
const harness = {
  type: 'string',
  // The core's list, read when a client lists the tools: the command table loads this module
  // for every command, and only `burn mcp` needs the native binding.
  get enum() {
    return sdk.harnessKeys();
  },
};
const tags = {
  type: 'object',
  additionalProperties: { type: 'string' },
  description: 'folded stamps that must all match, e.g. {"persona": "reviewer"}',
};
const str = (description: string) => ({ type: 'string', description });
const FILTER: Json = {
  since: bound('from (inclusive)'),
  until: bound('to (exclusive)'),
  harness,
  session: str('a session id: that session and its subagents, forks and continuations'),
  descendants: { type: 'boolean', description: 'with session: false for its own turns only' },
  project: str('a project (working directory)'),
  tags,
  timezone: str('IANA zone of calendar bounds (default UTC)'),
  weekStart: { type: 'string', enum: ['monday', 'sunday'] },
};
const limit = (what: string) => ({
  type: 'integer',
  minimum: 1,
  maximum: 10_000,
  description: `${what} (default 20)`,
});
const object = (properties: Json, required: string[] = []) => ({
  type: 'object' as const,
  properties,
  ...(required.length > 0 ? { required } : {}),
  additionalProperties: false,
});

interface Tool {
  name: string;
  description: string;
  inputSchema: ReturnType<typeof object>;
  /** Calls the SDK with the arguments (ledgerHome set by the server); resolves its result. */
  call(args: Json, ctx: CallContext): Promise<{ result: unknown; structured: Json; summary: string }>;
}

interface CallContext {
  ledgerHome: string | undefined;
  /** The session the client said it is, if it did (`_meta.sessionId`). */
  metaSession: string | undefined;
}

const usd = (n: number) => `$${n.toFixed(4)}`;

/** The calling session: named, else the client's, else the newest one in this project, else the newest. */
async function currentSession(args: Json, ctx: CallContext): Promise<string> {
  if (args.sessionId !== undefined) return args.sessionId as string;
  const named = ctx.metaSession ?? process.env.CLAUDE_CODE_SESSION_ID;
  if (named) return named;
  const lh = ctx.ledgerHome === undefined ? {} : { ledgerHome: ctx.ledgerHome };
  const here = await sdk.sessions({ ...lh, project: process.cwd(), flat: true, limit: 1 });
  const newest = here[0] ?? (await sdk.sessions({ ...lh, flat: true, limit: 1 }))[0];
  if (!newest)
    throw new sdk.BurnError('INVALID_ARGUMENT', 'sessionId: no session in the ledger yet', {
      field: 'sessionId',
    });
  return newest.sessionId;
}

export const TOOLS: readonly Tool[] = [
  {
    name: 'summary',
    description:
      'Token totals and cost of the turns matching the filters, grouped by one dimension (model, provider, harness, project, branch, session, root, day, week, month, tool or tag:<key>).',
    inputSchema: object({
      ...FILTER,
      model: str('one model, however spelled'),
      groupBy: str(
        'model (default), modelRaw, provider, harness, project, branch, session, root, day, week, month, tool or tag:<key>',
      ),
    }),
    async call(args) {
      const r = await sdk.summary(args);
      return {
        result: r,
        structured: r as unknown as Json,
        summary: `${r.totals.turns} turns, ${usd(r.totals.costUsd)}`,
      };
    },
  },
  {
    name: 'sessions',
    description:
      'Session trees active in the window, newest first, each with its cost (structuredContent: {sessions}).',
    inputSchema: object({
      since: FILTER.since,
      until: FILTER.until,
      harness,
      project: FILTER.project,
      tags,
      limit: limit('trees to list'),
      flat: { type: 'boolean', description: 'one row per session instead of trees' },
      timezone: FILTER.timezone,
      weekStart: FILTER.weekStart,
    }),
    async call(args) {
      const r = await sdk.sessions(args);
      return { result: r, structured: { sessions: r }, summary: `${r.length} sessions` };
    },
  },
  {
    name: 'session',
    description:
      "One session in detail: its tree's cost (subagents included), its own, turns with tool calls, user turns, compactions, children. Defaults to the calling session when known, else the newest session of this project, else the newest.",
    inputSchema: object({
      sessionId: str('the session (default: the current one)'),
      harness,
      includeContent: { type: 'boolean', description: 'also the stored conversation text' },
    }),
    async call(args, ctx) {
      const sessionId = await currentSession(args, ctx);
      const r = await sdk.session({ ...args, sessionId });
      if (!r)
        throw new sdk.BurnError('INVALID_ARGUMENT', `sessionId: no session '${sessionId}' in the ledger`, {
          field: 'sessionId',
        });
      return {
        result: r,
        structured: r as unknown as Json,
        summary: `session ${r.session.sessionId}: ${usd(r.session.costUsd)} with ${r.session.descendantCount} descendants (own ${usd(r.session.own.costUsd)})`,
      };
    },
  },
  {
    name: 'hotspots',
    description:
      'What caused the tokens: tokens and dollars attributed to tools, files, shell commands or subagents (a tool result is paid as new input by the next turn and as cache reads by later ones).',
    inputSchema: object({
      ...FILTER,
      model: str('one model, however spelled'),
      by: { type: 'string', enum: ['tool', 'file', 'command', 'subagent'], description: 'default tool' },
      limit: limit('rows'),
    }),
    async call(args) {
      const r = await sdk.hotspots(args);
      const top = r.rows[0] ? `; top: ${r.rows[0].key} ${usd(r.rows[0].costUsd)}` : '';
      return {
        result: r,
        structured: r as unknown as Json,
        summary: `attributed ${usd(r.attributedCostUsd)} of ${usd(r.totals.costUsd)}${top}`,
      };
    },
  },
  {
    name: 'overhead',
    description:
      'Per session: spend on re-reading context (cache reads) vs new work, cache writes never read again, compactions and what they saved.',
    inputSchema: object({ ...FILTER, model: str('one model, however spelled'), limit: limit('sessions') }),
    async call(args) {
      const r = await sdk.overhead(args);
      return {
        result: r,
        structured: r as unknown as Json,
        summary: `${usd(r.totals.cacheReadCostUsd)} of ${usd(r.totals.costUsd)} re-read context; unread cache writes ${usd(r.totals.unreadCacheWriteCostUsd)}`,
      };
    },
  },
  {
    name: 'compare',
    description:
      'Models side by side over the same turns: cost per turn and per 1k output tokens, cache hit ratio, tokens per tool call.',
    inputSchema: object({
      ...FILTER,
      models: {
        type: 'array',
        items: { type: 'string' },
        maxItems: 50,
        description: 'models to compare (default all)',
      },
    }),
    async call(args) {
      const r = await sdk.compare(args);
      return { result: r, structured: r as unknown as Json, summary: `${r.rows.length} models` };
    },
  },
  {
    name: 'stamp',
    description:
      'Label a session with key=value tags (e.g. {"task": "refactor-auth"}), so its spend can be asked about by label. Defaults to the current session.',
    inputSchema: object(
      {
        sessionId: str('the session (default: the current one)'),
        messageId: str('label one message instead'),
        enrichment: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: 'labels to set',
        },
      },
      ['enrichment'],
    ),
    async call(args, ctx) {
      const sessionId =
        args.messageId !== undefined && args.sessionId === undefined
          ? undefined
          : await currentSession(args, ctx);
      const r = await sdk.writeStamp({
        ...args,
        ...(sessionId === undefined ? {} : { sessionId }),
      } as sdk.WriteStampOptions);
      return {
        result: r,
        structured: r as unknown as Json,
        summary: `stamped ${sessionId ?? String(args.messageId)}`,
      };
    },
  },
];

/** An MCP tool result carrying a BurnError (or any failure) instead of crashing the server. */
function errorResult(err: unknown): McpTypes.CallToolResult {
  const text =
    err instanceof sdk.BurnError
      ? `${err.code}: ${err.message}`
      : `INTERNAL: ${err instanceof Error ? err.message : String(err)}`;
  return { isError: true, content: [{ type: 'text', text }] };
}

/** Runs one tool call: ingest new bytes, then the SDK call. Never throws. */
export async function callTool(
  name: string,
  rawArgs: unknown,
  ctx: CallContext,
  ingested: { at: number },
): Promise<McpTypes.CallToolResult> {
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool)
    return errorResult(new sdk.BurnError('INVALID_ARGUMENT', `unknown tool '${name}'`, { field: 'name' }));
  if (rawArgs !== undefined && (typeof rawArgs !== 'object' || rawArgs === null || Array.isArray(rawArgs)))
    return errorResult(
      new sdk.BurnError('INVALID_ARGUMENT', `${name}: arguments must be an object`, { field: 'options' }),
    );
  const args: Json = { ...((rawArgs as Json | undefined) ?? {}) };
  if ('ledgerHome' in args)
    return errorResult(
      new sdk.BurnError(
        'INVALID_ARGUMENT',
        `${name}: ledgerHome: is set by the server (burn mcp --ledger-home)`,
        { field: 'ledgerHome' },
      ),
    );
  if (ctx.ledgerHome !== undefined) args.ledgerHome = ctx.ledgerHome;
  // Figures are current: an incremental ingest (stats only when nothing changed), at most
  // once a second. Its failure (a busy ledger) does not stop the answer.
  if (Date.now() - ingested.at > 1_000) {
    try {
      await sdk.ingest(ctx.ledgerHome === undefined ? {} : { ledgerHome: ctx.ledgerHome });
    } catch {
      // answered from what the ledger holds
    }
    ingested.at = Date.now();
  }
  try {
    const { structured, summary } = await tool.call(args, ctx);
    return {
      structuredContent: structured,
      content: [{ type: 'text', text: `${summary}\n${JSON.stringify(structured)}` }],
    };
  } catch (err) {
    return errorResult(err);
  }
}

const mcpHelp = `Usage: burn mcp [--ledger-home <dir>]

Runs an MCP server on standard input/output, for coding agents: tools summary,
sessions, session (the current session's tree and cost), hotspots, overhead,
compare and stamp (label the current session). Each tool takes the SDK
function's options and returns its result as structuredContent. New log bytes
are ingested before each answer.

Claude Code:             claude mcp add relayburn -- burn mcp
Codex:                   codex mcp add relayburn -- burn mcp, or in ~/.codex/config.toml:
  [mcp_servers.relayburn]
  command = "burn"
  args = ["mcp"]
OpenCode:                opencode mcp add relayburn --global -- burn mcp
  (or opencode.json: "mcp": {"servers": {"relayburn": {"type": "local", "command": ["burn", "mcp"]}}};
   OpenCode V1 puts "relayburn" directly under "mcp")

Examples:
  burn mcp
  burn mcp --ledger-home ~/.relayburn-team`;

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'MCP server on stdio: agents ask for cost, hotspots, overhead',
  help: mcpHelp,
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`mcp takes no arguments, got '${ctx.args[0]}'`);
    // Loaded here, not at start-up: no other command pays for the MCP SDK.
    const { Server } = require('@modelcontextprotocol/sdk/server/index.js') as { Server: typeof ServerType };
    const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js') as {
      StdioServerTransport: typeof StdioType;
    };
    const types = require('@modelcontextprotocol/sdk/types.js') as typeof McpTypes;
    const version = (require('../../package.json') as { version: string }).version;
    const server = new Server({ name: 'relayburn', version }, { capabilities: { tools: {} } });
    server.setRequestHandler(types.ListToolsRequestSchema, async () => ({
      tools: TOOLS.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
    }));
    const ingested = { at: 0 };
    // Calls in flight: when the client closes stdin, their answers are still written.
    let inflight = 0;
    let ending = false;
    const closeWhenIdle = () => {
      if (ending && inflight === 0) void server.close();
    };
    server.setRequestHandler(types.CallToolRequestSchema, async (req) => {
      const meta = req.params._meta as Json | undefined;
      const metaSession = typeof meta?.sessionId === 'string' ? meta.sessionId : undefined;
      inflight++;
      try {
        return await callTool(
          req.params.name,
          req.params.arguments,
          { ledgerHome: ctx.ledgerHome, metaSession },
          ingested,
        );
      } finally {
        inflight--;
        // After the response is written (the SDK sends it once this handler resolves).
        setImmediate(closeWhenIdle);
      }
    });
    const closed = new Promise<void>((resolve) => {
      server.onclose = () => resolve();
    });
    await server.connect(new StdioServerTransport());
    process.stdin.on('end', () => {
      ending = true;
      closeWhenIdle();
    });
    await closed;
    return 0;
  },
};
