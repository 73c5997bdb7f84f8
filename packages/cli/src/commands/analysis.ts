/**
 * `burn hotspots`, `burn overhead`, `burn compare`: the SDK's analyses as tables (or `--json`).
 */
import {
  type AnalysisFilter,
  type CompareRow,
  compare,
  type Harness,
  type HotspotBy,
  type HotspotRow,
  hotspots,
  type OverheadSession,
  overhead,
} from '@relayburn/sdk';
import { bool, type Command, type Context, type FlagSpec, list, str } from '../command.js';
import { clip, formatCount, formatUsd, printJson } from '../output.js';
import { renderTable } from '../table.js';
import { parseTagFlags, UsageError } from '../usage.js';
import { chooseZone, withZone, ZONE_FLAGS, ZONE_HELP } from '../zone.js';

const FILTER_FLAGS: Record<string, FlagSpec> = {
  since: { type: 'string' },
  until: { type: 'string' },
  harness: { type: 'string' },
  session: { type: 'string' },
  'session-only': { type: 'boolean' },
  project: { type: 'string' },
  tag: { type: 'string', multiple: true },
  tags: { type: 'string', multiple: true },
  ...ZONE_FLAGS,
};

const FILTER_HELP = `  --since <t>         from: a date, today, yesterday, this-week, this-month, an
                      ISO-8601 instant or relative (30m, 24h, 7d, 4w, 3mo)
  --until <t>         to (exclusive), same forms
  --session <id>      one session and its subagents, forks and continuations
  --session-only      with --session: that session's own turns only
  --harness <h>       claude-code, codex, opencode, gemini-cli, qwen-code, pi,
                      copilot-cli, kimi-cli, grok, droid, goose, crush, amp,
                      kilo, cline, roo-code or kilo-code
  --project <dir>     one project (working directory)
  --tag k=v           only turns whose folded tags match (repeatable; --tags k=v,k=v)
${ZONE_HELP}`;

function filterOf(ctx: Context): AnalysisFilter {
  if (ctx.args.length > 0) throw new UsageError(`unexpected argument '${ctx.args[0]}'`);
  const session = str(ctx, 'session');
  if (bool(ctx, 'session-only') && session === undefined)
    throw new UsageError('--session-only needs --session <id>');
  const zone = chooseZone(ctx);
  return {
    since: str(ctx, 'since'),
    until: str(ctx, 'until'),
    harness: str(ctx, 'harness') as Harness | undefined,
    session,
    ...(bool(ctx, 'session-only') ? { descendants: false } : {}),
    project: str(ctx, 'project'),
    tags: parseTagFlags(list(ctx, 'tag'), list(ctx, 'tags')),
    timezone: zone.timezone,
    weekStart: zone.weekStart,
    ledgerHome: ctx.ledgerHome,
  };
}

function limitOf(ctx: Context): number | undefined {
  const raw = str(ctx, 'limit');
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--limit must be a positive integer, got '${raw}'`);
  return n;
}

/** Dollars with cents, or four decimals below a dollar (attributions are often small). */
function usd(n: number): string {
  return Math.abs(n) >= 1 || n === 0 ? formatUsd(n) : `$${n.toFixed(4)}`;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

const hotspotsHelp = `Usage: burn hotspots [--by tool|file|command|subagent] [--limit <n>] [filters] [--json]

What caused the tokens: each tool result (≈ 4 bytes per token) is paid as new
input by the next turn and as cache reads by every later turn of its session
until a compaction; a turn never pays more than it used. Ranks tools, files
(read/edit/write targets), shell commands or subagents (their own turns) by
the dollars attributed. The rows never add up to more than the window's total.

Options:
  --by <what>         tool (default), file, command or subagent
  --limit <n>         rows to show (default 20)
  --model <m>         one model, however spelled
${FILTER_HELP}
  --json              print {by, totals, attributedTokens, attributedCostUsd, rows} as JSON

Examples:
  burn hotspots --since 7d
  burn hotspots --by file --limit 10
  burn hotspots --by command --session 3f2a9c1e-… --json`;

export const hotspotsCommand: Command = {
  name: 'hotspots',
  summary: 'tokens and cost attributed to tools, files, commands, subagents',
  help: hotspotsHelp,
  flags: { ...FILTER_FLAGS, by: { type: 'string' }, limit: { type: 'string' }, model: { type: 'string' } },
  async run(ctx) {
    const f = filterOf(ctx);
    const h = await withZone(chooseZone(ctx), () =>
      hotspots({
        ...f,
        model: str(ctx, 'model'),
        by: str(ctx, 'by') as HotspotBy | undefined,
        limit: limitOf(ctx),
      }),
    );
    if (ctx.out.json) {
      printJson(h);
      return 0;
    }
    if (h.totals.turns === 0) {
      process.stdout.write('no turns match (run `burn ingest` first, or widen the filters)\n');
      return 0;
    }
    if (h.rows.length === 0) {
      process.stdout.write(`no ${h.by} to attribute in ${formatCount(h.totals.turns)} turns\n`);
      return 0;
    }
    const n = (f: (r: HotspotRow) => number) => (r: HotspotRow) => formatCount(f(r));
    process.stdout.write(
      `${renderTable(
        h.rows,
        [
          { header: h.by.toUpperCase(), value: (r) => clip(r.key, 60) },
          { header: h.by === 'subagent' ? 'TURNS' : 'CALLS', value: n((r) => r.calls), align: 'right' },
          ...(h.by === 'subagent'
            ? []
            : [{ header: 'RESULT BYTES', value: n((r) => r.resultBytes), align: 'right' as const }]),
          { header: 'NEW', value: n((r) => r.freshTokens), align: 'right' },
          { header: 'CACHE READ', value: n((r) => r.cacheReadTokens), align: 'right' },
          ...(h.by === 'subagent'
            ? [{ header: 'OUTPUT', value: n((r) => r.outputTokens), align: 'right' as const }]
            : []),
          { header: 'TOKENS', value: n((r) => r.tokens), align: 'right' },
          { header: 'COST', value: (r) => usd(r.costUsd), align: 'right' },
          { header: 'SHARE', value: (r) => pct(r.costUsd, h.totals.costUsd), align: 'right' },
        ],
        { out: ctx.out },
      )}\n`,
    );
    process.stdout.write(
      `attributed ${usd(h.attributedCostUsd)} of ${usd(h.totals.costUsd)} (${pct(h.attributedCostUsd, h.totals.costUsd)}), ` +
        `${formatCount(h.attributedTokens)} of ${formatCount(h.totals.totalTokens)} tokens, ${formatCount(h.totals.turns)} turns\n`,
    );
    return 0;
  },
};

const overheadHelp = `Usage: burn overhead [--limit <n>] [filters] [--json]

Per session: what went to re-reading context (cache reads) versus new work
(input, output, cache writes), cache writes no later turn read within their
lifetime (5 minutes or 1 hour), and compactions with the context they kept
out of later turns (estimated, priced as cache reads). Costliest sessions first.

Options:
  --limit <n>         sessions to show (default 20)
  --model <m>         one model, however spelled
${FILTER_HELP}
  --json              print {totals, window, sessions} as JSON

Examples:
  burn overhead --since 7d
  burn overhead --session 3f2a9c1e-… --json`;

export const overheadCommand: Command = {
  name: 'overhead',
  summary: 'context re-reads vs new work, unread cache writes, compactions',
  help: overheadHelp,
  flags: { ...FILTER_FLAGS, limit: { type: 'string' }, model: { type: 'string' } },
  async run(ctx) {
    const f = filterOf(ctx);
    const o = await withZone(chooseZone(ctx), () =>
      overhead({ ...f, model: str(ctx, 'model'), limit: limitOf(ctx) }),
    );
    if (ctx.out.json) {
      printJson(o);
      return 0;
    }
    if (o.window.turns === 0) {
      process.stdout.write('no turns match (run `burn ingest` first, or widen the filters)\n');
      return 0;
    }
    const rows: Array<OverheadSession | (typeof o.totals & { sessionId: string })> = [
      ...o.sessions,
      { ...o.totals, sessionId: 'TOTAL' },
    ];
    process.stdout.write(
      `${renderTable(
        rows,
        [
          { header: 'SESSION', value: (r) => clip(r.sessionId, 48) },
          { header: 'TURNS', value: (r) => formatCount(r.turns), align: 'right' },
          { header: 'COST', value: (r) => usd(r.costUsd), align: 'right' },
          { header: 'RE-READ', value: (r) => usd(r.cacheReadCostUsd), align: 'right' },
          { header: 'RE-READ %', value: (r) => pct(r.cacheReadCostUsd, r.costUsd), align: 'right' },
          { header: 'NEW WORK', value: (r) => usd(r.newCostUsd), align: 'right' },
          { header: 'UNREAD WRITES', value: (r) => usd(r.unreadCacheWriteCostUsd), align: 'right' },
          { header: 'COMPACTIONS', value: (r) => formatCount(r.compactions), align: 'right' },
          { header: 'SAVED', value: (r) => usd(r.compactionSavedUsd), align: 'right' },
        ],
        { out: ctx.out, lastRowBold: true },
      )}\n`,
    );
    return 0;
  },
};

const compareHelp = `Usage: burn compare [--model <m>]... [filters] [--json]

Models side by side over the same turns: cost per turn and per thousand
output tokens, cache hit ratio (cache reads over all prompt tokens), output
per turn and tokens per tool call. Without --model, every model with turns.

Options:
  --model <m>         a model to compare, however spelled (repeatable)
${FILTER_HELP}
  --json              print {rows, totals} as JSON

Examples:
  burn compare --since 30d
  burn compare --model claude-sonnet-4-5 --model gpt-5-codex --json`;

export const compareCommand: Command = {
  name: 'compare',
  summary: 'models side by side: cost per turn, cache hits, tokens per tool call',
  help: compareHelp,
  flags: { ...FILTER_FLAGS, model: { type: 'string', multiple: true } },
  async run(ctx) {
    const f = filterOf(ctx);
    const models = list(ctx, 'model');
    const c = await withZone(chooseZone(ctx), () => compare({ ...f, ...(models ? { models } : {}) }));
    if (ctx.out.json) {
      printJson(c);
      return 0;
    }
    if (c.rows.length === 0) {
      process.stdout.write('no turns match (run `burn ingest` first, or widen the filters)\n');
      return 0;
    }
    const opt = (v: number | undefined, f: (v: number) => string) => (v === undefined ? '-' : f(v));
    process.stdout.write(
      `${renderTable(
        c.rows,
        [
          { header: 'MODEL', value: (r: CompareRow) => clip(r.model, 40) + (r.priced ? '' : ' (unpriced)') },
          { header: 'TURNS', value: (r) => formatCount(r.turns), align: 'right' },
          { header: 'COST', value: (r) => usd(r.costUsd), align: 'right' },
          { header: '$/TURN', value: (r) => opt(r.costPerTurn, usd), align: 'right' },
          { header: '$/1K OUT', value: (r) => opt(r.costPer1kOutputTokens, usd), align: 'right' },
          {
            header: 'CACHE HIT',
            value: (r) => opt(r.cacheHitRatio, (v) => `${(100 * v).toFixed(1)}%`),
            align: 'right',
          },
          {
            header: 'OUT/TURN',
            value: (r) => opt(r.outputTokensPerTurn, (v) => formatCount(Math.round(v))),
            align: 'right',
          },
          { header: 'TOOL CALLS', value: (r) => formatCount(r.toolCalls), align: 'right' },
          {
            header: 'TOKENS/CALL',
            value: (r) => opt(r.tokensPerToolCall, (v) => formatCount(Math.round(v))),
            align: 'right',
          },
        ],
        { out: ctx.out },
      )}\n`,
    );
    return 0;
  },
};
