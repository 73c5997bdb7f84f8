import { type GroupBy, type Harness, type Summary, type SummaryGroup, summary } from '@relayburn/sdk';
import { bool, type Command, list, str } from '../command.js';
import { formatCount, formatUsd, type Output, printJson, visible } from '../output.js';
import { writeOut } from '../stdout.js';
import { renderTable } from '../table.js';
import { teamGet, teamTarget } from '../team.js';
import { parseTagFlags, UsageError } from '../usage.js';
import { chooseZone, withZone, ZONE_FLAGS, ZONE_HELP, type ZoneChoice } from '../zone.js';

const summaryHelp = `Usage: burn summary [--since <t>] [--until <t>] [--by <dim>] [filters] [--json]

Token totals and cost of the turns in the ledger, grouped by one dimension.
Each API call is counted once, with its final usage, priced at list prices
(override in $RELAYBURN_HOME/prices.json). Unpriced models count $0 and are listed.

Days, weeks, months and dates are your local ones (TZ, else the system zone);
the table says which zone it used when it is not UTC. --utc gives UTC days.

Options:
  --since <t>         from: a date (2026-11-30), today, yesterday, this-week,
                      this-month, an ISO-8601 instant or relative (30m, 24h, 7d, 4w, 3mo)
  --until <t>         to (exclusive), same forms; a date or today/yesterday/this-week/
                      this-month includes that whole day, week or month
  --by <dim>          model (default), modelRaw, provider, harness, project, branch,
                      session, root, day, week, month, tool or tag:<key>
  --tag k=v           only turns whose folded tags match (repeatable; all must match)
  --tags k=v[,k=v]    the same, comma-separated
  --harness <h>       claude-code, codex, opencode, gemini-cli, qwen-code, pi,
                      copilot-cli, kimi-cli, grok, droid, goose, crush, amp,
                      kilo, cline, roo-code or kilo-code
  --session <id>      one session and its subagents, forks and continuations
  --session-only      with --session: that session's own turns only
  --model <m>         one model, however spelled (Bedrock, Vertex, OpenRouter ids)
  --project <dir>     one project (working directory)
${ZONE_HELP}
  --server <url>      ask a team server (relayburn-server) instead of this ledger;
                      --by device is also available there
  --token <t>         its token (else $RELAYBURN_TOKEN)
  --json              print {totals, groups, unpricedModels} as JSON

--by model shows one row per model however the logs spelled it (the price table's name);
--by modelRaw shows the ids exactly as written, --by provider where they were served.
--by tool splits each turn's tokens and cost evenly across the tools it called;
turns without tool calls are grouped as (none). --by session groups each session's
own turns; --by root groups every turn under the root session of its tree.
Tags inherit down session trees: a subagent carries its parent's stamps.

Examples:
  burn summary --since 7d
  burn summary --since this-month --by day
  burn summary --since yesterday --until yesterday
  burn summary --tags spawner=pear --by model
  burn summary --tag persona=reviewer --by day --since 30d --timezone Europe/Paris
  burn summary --by week --week-start sunday --utc
  burn summary --by tag:workflowId --json
  burn summary --server https://burn.example.com --token rbt_… --by device --since this-month`;

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'token totals and cost by model, provider, project, day, tool, tag…',
  help: summaryHelp,
  flags: {
    since: { type: 'string' },
    until: { type: 'string' },
    by: { type: 'string' },
    harness: { type: 'string' },
    session: { type: 'string' },
    'session-only': { type: 'boolean' },
    model: { type: 'string' },
    project: { type: 'string' },
    tag: { type: 'string', multiple: true },
    tags: { type: 'string', multiple: true },
    server: { type: 'string' },
    token: { type: 'string' },
    ...ZONE_FLAGS,
  },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`summary takes no arguments, got '${ctx.args[0]}'`);
    await runSummary(
      {
        since: str(ctx, 'since'),
        until: str(ctx, 'until'),
        by: str(ctx, 'by'),
        harness: str(ctx, 'harness'),
        session: str(ctx, 'session'),
        sessionOnly: bool(ctx, 'session-only'),
        model: str(ctx, 'model'),
        project: str(ctx, 'project'),
        tag: list(ctx, 'tag'),
        tags: list(ctx, 'tags'),
        zone: chooseZone(ctx),
        ledgerHome: ctx.ledgerHome,
        server: str(ctx, 'server'),
        token: str(ctx, 'token'),
      },
      ctx.out,
    );
    return 0;
  },
};

export interface SummaryArgs {
  since?: string | undefined;
  until?: string | undefined;
  by?: string | undefined;
  harness?: string | undefined;
  session?: string | undefined;
  sessionOnly?: boolean | undefined;
  model?: string | undefined;
  project?: string | undefined;
  tag?: string[] | undefined;
  tags?: string[] | undefined;
  zone: ZoneChoice;
  ledgerHome?: string | undefined;
  server?: string | undefined;
  token?: string | undefined;
}

export async function runSummary(a: SummaryArgs, out: Output): Promise<void> {
  if (a.sessionOnly && a.session === undefined) throw new UsageError('--session-only needs --session <id>');
  const team = teamTarget(a.server, a.token);
  const tags = parseTagFlags(a.tag, a.tags);
  const s = await withZone(a.zone, () =>
    team
      ? teamGet<Summary>(team, '/v1/summary', {
          since: a.since,
          until: a.until,
          groupBy: a.by,
          harness: a.harness,
          session: a.session,
          ...(a.sessionOnly ? { descendants: false } : {}),
          model: a.model,
          project: a.project,
          tags,
          timezone: a.zone.timezone,
          weekStart: a.zone.weekStart,
        })
      : summary({
          since: a.since,
          until: a.until,
          groupBy: a.by as GroupBy | undefined,
          harness: a.harness as Harness | undefined,
          session: a.session,
          ...(a.sessionOnly ? { descendants: false } : {}),
          model: a.model,
          project: a.project,
          tags,
          timezone: a.zone.timezone,
          weekStart: a.zone.weekStart,
          ledgerHome: a.ledgerHome,
        }),
  );
  if (out.json) {
    printJson(s);
    return;
  }
  if (s.totals.turns === 0) {
    writeOut('no turns match (run `burn ingest` first, or widen the filters)\n');
    return;
  }
  const by = a.by ?? 'model';
  // The zone shapes the rows when they are days/weeks/months or the window has bounds.
  const timed =
    by === 'day' || by === 'week' || by === 'month' || a.since !== undefined || a.until !== undefined;
  if (timed && s.timezone !== 'UTC') {
    const week = by === 'week' && a.zone.weekStart?.toLowerCase() === 'sunday' ? ', weeks from Sunday' : '';
    writeOut(`times in ${s.timezone}${week}\n`);
  }
  printSummary(s, by, out);
}

/** Prints a summary as a table: one row per group, then TOTAL, then any unpriced models. */
export function printSummary(s: Summary, by: string, out: Output): void {
  const rows: SummaryGroup[] = [...s.groups, { key: 'TOTAL', ...s.totals }];
  const n = (f: (g: SummaryGroup) => number) => (g: SummaryGroup) => formatCount(f(g));
  writeOut(
    `${renderTable(
      rows,
      [
        { header: by.toUpperCase(), value: (g) => g.key },
        { header: 'TURNS', value: n((g) => g.turns), align: 'right' },
        { header: 'INPUT', value: n((g) => g.inputTokens), align: 'right' },
        { header: 'OUTPUT', value: n((g) => g.outputTokens), align: 'right' },
        { header: 'CACHE READ', value: n((g) => g.cacheReadTokens), align: 'right' },
        { header: 'CACHE WRITE 5M', value: n((g) => g.cacheWrite5mTokens), align: 'right' },
        { header: 'CACHE WRITE 1H', value: n((g) => g.cacheWrite1hTokens), align: 'right' },
        { header: 'TOTAL TOKENS', value: n((g) => g.totalTokens), align: 'right' },
        { header: 'COST', value: (g) => formatUsd(g.costUsd), align: 'right' },
      ],
      { out, lastRowBold: true },
    )}\n`,
  );
  if (s.unpricedModels.length > 0) {
    const list = s.unpricedModels.map((m) => `${m.model} (${formatCount(m.turns)} turns)`).join(', ');
    writeOut(`unpriced (counted as $0): ${visible(list)}\n`);
  }
}
