/**
 * `burn budget set|list|status|rm`: budgets through the public SDK. Rules (validation,
 * periods, spend, states) are the core's; this module parses flags and formats.
 * `burn budget status` exits 3 when any budget is over (so cron or CI can act on it).
 */
import {
  type Budget,
  type BudgetFilter,
  type BudgetPeriod,
  type BudgetStatus,
  budgetStatus,
  budgets,
  type Harness,
  removeBudget,
  setBudget,
} from '@relayburn/sdk';
import { type Command, list, str } from '../command.js';
import { formatUsd, type Output, printFields, printJson, visible } from '../output.js';
import { renderTable } from '../table.js';
import { parseTagFlags, UsageError } from '../usage.js';
import { chooseZone, withZone, ZONE_FLAGS, ZONE_HELP } from '../zone.js';

/** Exit code of `burn budget status` when at least one budget is over. */
export const OVER_EXIT_CODE = 3;

const FILTER_FLAGS = {
  tag: { type: 'string', multiple: true },
  tags: { type: 'string', multiple: true },
  harness: { type: 'string' },
  project: { type: 'string' },
} as const;

const setHelp = `Usage: burn budget set <name> --limit <usd> --period day|week|month [filters] [--warn <f>]

Store a budget: a limit in US dollars per local day, week or month over the turns that
match the filters (none: every turn). Setting a name again replaces that budget. Budgets
live in the ledger: 'burn state rebuild' keeps them and 'burn stamps export' carries them.
Spend counts what 'burn summary' counts for the same filters (a subagent of a stamped
session counts against the stamp's budget).

Options:
  --limit <usd>       the limit per period, a positive number of US dollars (200, 12.50)
  --period <p>        day, week or month (your local ones; see 'burn budget status')
  --tag k=v           count only turns whose folded tags match (repeatable; all must match)
  --tags k=v[,k=v]    the same, comma-separated
  --harness <h>       count only turns of one harness (claude-code, codex,
                      opencode, gemini-cli, qwen-code, pi, copilot-cli,
                      kimi-cli, grok, droid, goose, crush, amp, kilo, cline,
                      roo-code, kilo-code)
  --project <dir>     count only one project (working directory)
  --warn <f>          fraction of the limit at which the state turns warn (default 0.8)

Examples:
  burn budget set reviewers --limit 200 --period month --tag persona=reviewer
  burn budget set daily --limit 25 --period day
  burn budget set codex-week --limit 50 --period week --harness codex --warn 0.9`;

const listHelp = `Usage: burn budget list [--json]

List the stored budgets: name, limit, period, filters and warn fraction.

Examples:
  burn budget list
  burn budget list --json`;

const statusHelp = `Usage: burn budget status [--tag k=v]... [--harness h] [--project p] [--json]

Spend of each budget in its current period, the fraction of its limit, and its state:
ok, warn (spend has reached the warn fraction) or over (spend has reached the limit).
Periods are your local day, week and month (TZ, else the system zone; --timezone, --utc).

With --tag/--harness/--project, only the budgets a session with those labels would count
against (what a launcher checks before it spawns one).

Exit status: 0 when every budget shown is ok or warn, 3 when any is over (also with
--json), 1 or 2 on errors.

Options:
  --tag k=v           labels of the session about to start (repeatable)
  --tags k=v[,k=v]    the same, comma-separated
  --harness <h>       harness of the session about to start
  --project <dir>     project of the session about to start
${ZONE_HELP}
  --json              print the budgetStatus() result

Examples:
  burn budget status
  burn budget status --tag persona=reviewer || echo "reviewer budget spent"
  burn budget status --json --utc`;

const rmHelp = `Usage: burn budget rm <name>

Delete a budget. Exits 1 when no budget has that name.

Examples:
  burn budget rm reviewers`;

function oneName(ctx: { args: string[] }, usage: string): string {
  if (ctx.args.length !== 1) throw new UsageError(`expected one budget name: ${usage}`);
  return ctx.args[0] as string;
}

/** `--limit`: a number of dollars (`200`, `12.50`, `$200`); its range is checked by the SDK. */
function parseLimit(value: string | undefined): number {
  if (value === undefined) throw new UsageError('--limit <usd> is required');
  const v = value.trim().replace(/^\$/, '');
  const n = v === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--limit: expected a number of US dollars, got '${value}'`);
  return n;
}

function parseWarn(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--warn: expected a fraction like 0.8, got '${value}'`);
  return n;
}

const PERIOD_SHORT: Record<BudgetPeriod, string> = { day: 'day', week: 'wk', month: 'mo' };

/** `$200/mo` */
export function limitLabel(limitUsd: number, period: BudgetPeriod): string {
  const usd = Number.isInteger(limitUsd) ? `$${limitUsd.toLocaleString('en-US')}` : formatUsd(limitUsd);
  return `${usd}/${PERIOD_SHORT[period] ?? period}`;
}

/** `persona=reviewer, harness=codex` or `(all turns)`. */
function filterLabel(f: BudgetFilter): string {
  const parts = Object.entries(f.tags).map(([k, v]) => `${k}=${v}`);
  if (f.harness) parts.push(`harness=${f.harness}`);
  if (f.project) parts.push(`project=${f.project}`);
  return parts.length > 0 ? parts.join(', ') : '(all turns)';
}

export const budgetSetCommand: Command = {
  name: 'budget set',
  summary: 'store a spending limit per day, week or month over a filter',
  help: setHelp,
  flags: { limit: { type: 'string' }, period: { type: 'string' }, warn: { type: 'string' }, ...FILTER_FLAGS },
  async run(ctx) {
    const name = oneName(ctx, 'burn budget set <name> --limit <usd> --period <p>');
    const period = str(ctx, 'period');
    if (period === undefined) throw new UsageError('--period day|week|month is required');
    const b = await setBudget({
      name,
      limitUsd: parseLimit(str(ctx, 'limit')),
      period: period as BudgetPeriod,
      tags: parseTagFlags(list(ctx, 'tag'), list(ctx, 'tags')),
      harness: str(ctx, 'harness') as Harness | undefined,
      project: str(ctx, 'project'),
      warn: parseWarn(str(ctx, 'warn')),
      ledgerHome: ctx.ledgerHome,
    });
    if (ctx.out.json) {
      printJson(b);
      return 0;
    }
    process.stdout.write(
      `${visible(`budget ${b.name}: ${limitLabel(b.limitUsd, b.period)} over ${filterLabel(b.filter)}, warn at ${Math.round(b.warn * 100)}%`)}\n`,
    );
    return 0;
  },
};

export const budgetListCommand: Command = {
  name: 'budget list',
  summary: 'list the stored budgets',
  help: listHelp,
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`budget list takes no arguments, got '${ctx.args[0]}'`);
    const all = await budgets({ ledgerHome: ctx.ledgerHome });
    if (ctx.out.json) {
      printJson(all);
      return 0;
    }
    if (all.length === 0) {
      process.stdout.write("no budgets (add one with 'burn budget set')\n");
      return 0;
    }
    process.stdout.write(
      `${renderTable<Budget>(
        all,
        [
          { header: 'NAME', value: (b) => b.name },
          { header: 'LIMIT', value: (b) => limitLabel(b.limitUsd, b.period), align: 'right' },
          { header: 'WARN', value: (b) => `${Math.round(b.warn * 100)}%`, align: 'right' },
          { header: 'FILTER', value: (b) => filterLabel(b.filter) },
        ],
        { out: ctx.out },
      )}\n`,
    );
    return 0;
  },
};

export const budgetStatusCommand: Command = {
  name: 'budget status',
  summary: 'spend of each budget this period; exits 3 when one is over',
  help: statusHelp,
  flags: { ...FILTER_FLAGS, ...ZONE_FLAGS },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`budget status takes no arguments, got '${ctx.args[0]}'`);
    const zone = chooseZone(ctx);
    const rows = await withZone(zone, () =>
      budgetStatus({
        tags: parseTagFlags(list(ctx, 'tag'), list(ctx, 'tags')),
        harness: str(ctx, 'harness') as Harness | undefined,
        project: str(ctx, 'project'),
        timezone: zone.timezone,
        weekStart: zone.weekStart,
        ledgerHome: ctx.ledgerHome,
      }),
    );
    const code = rows.some((r) => r.state === 'over') ? OVER_EXIT_CODE : 0;
    if (ctx.out.json) {
      printJson(rows);
      return code;
    }
    printStatus(rows, zone.timezone, ctx.out);
    return code;
  },
};

/** `2026-12-01 00:00` in `timeZone` (the instant is the SDK's, only its display is local). */
function localTime(iso: string, timeZone: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(iso));
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
  } catch {
    return iso;
  }
}

function printStatus(rows: BudgetStatus[], timezone: string, out: Output): void {
  if (rows.length === 0) {
    process.stdout.write("no budgets (add one with 'burn budget set')\n");
    return;
  }
  if (timezone !== 'UTC') process.stdout.write(`periods in ${timezone}\n`);
  process.stdout.write(
    `${renderTable<BudgetStatus>(
      rows,
      [
        { header: 'NAME', value: (r) => r.name },
        { header: 'SPENT', value: (r) => formatUsd(r.spentUsd), align: 'right' },
        { header: 'LIMIT', value: (r) => limitLabel(r.limitUsd, r.period), align: 'right' },
        { header: 'USED', value: (r) => `${Math.round(r.fraction * 100)}%`, align: 'right' },
        { header: 'STATE', value: (r) => r.state },
        { header: 'RESETS', value: (r) => localTime(r.periodEnd, timezone) },
        { header: 'FILTER', value: (r) => filterLabel(r.filter) },
      ],
      { out },
    )}\n`,
  );
}

export const budgetRmCommand: Command = {
  name: 'budget rm',
  summary: 'delete a budget',
  help: rmHelp,
  async run(ctx) {
    const name = oneName(ctx, 'burn budget rm <name>');
    const { removed } = await removeBudget({ name, ledgerHome: ctx.ledgerHome });
    if (ctx.out.json) {
      printJson({ removed });
      return removed ? 0 : 1;
    }
    if (!removed) {
      process.stderr.write(`burn: no budget named '${visible(name)}' (see 'burn budget list')\n`);
      return 1;
    }
    printFields([['removed', name]]);
    return 0;
  },
};
