/**
 * `burn statusline`: Claude Code's `statusLine` command. Reads the status-line JSON on stdin,
 * ingests that session's transcript (and its subagent transcripts: the SDK's `sessionFile`
 * fast path), and prints one line: the session's cost, today's cost and the most-used
 * budget. It never fails the status line: on any error it prints a short marker, exits 0,
 * and appends the error to `statusline.log` in the ledger home (mode 0600).
 *
 * Figures are the SDK's: `sessionCost` (the session with its subagents, as `summary({ session })`),
 * `summary({ since: 'today' })` in the user's zone, `budgetStatus` in that zone.
 */
import { appendFileSync, chmodSync, mkdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { isatty } from 'node:tty';
import { type BudgetStatus, budgetStatus, ingest, sessionCost, summary } from '@relayburn/sdk';
import type { Command } from '../command.js';
import { formatUsd, visible } from '../output.js';
import { chooseZone, ZONE_FLAGS, ZONE_HELP } from '../zone.js';
import { limitLabel } from './budget.js';

/** Printed instead of figures when something went wrong (details in the log). */
export const STATUSLINE_MARKER = 'burn: ?';
/** The error log, in the ledger home. */
export const STATUSLINE_LOG = 'statusline.log';
/** The log is cut back to empty past this size, so it never grows without bound. */
const MAX_LOG_BYTES = 1 << 20;

const help = `Usage: burn statusline [--json]

For Claude Code's status line: reads the status-line JSON on stdin ({"session_id",
"transcript_path", "cwd", "model", …}), ingests that transcript and its subagent
transcripts, and prints one line:

  $1.24 session · $18.40 today · reviewers 62% of $200/mo

the session's cost including its subagents, today's cost (all sessions, your local day),
and the budget with the largest share of its limit used (if any budgets are set).

It never breaks the status line: on any error it prints '${STATUSLINE_MARKER}', exits 0,
and appends the error to ${STATUSLINE_LOG} in the ledger home.

In ~/.claude/settings.json:
  { "statusLine": { "type": "command", "command": "burn statusline" } }

Options:
${ZONE_HELP}
  --json              print {sessionCostUsd, todayCostUsd, budgets} (budgets most used first)

Examples:
  burn statusline < payload.json
  burn statusline --json --timezone Europe/Paris < payload.json
  echo '{"session_id":"…","transcript_path":"/home/me/.claude/projects/p/….jsonl"}' | burn statusline`;

/** What `--json` prints. */
export interface StatuslineResult {
  sessionCostUsd: number;
  todayCostUsd: number;
  /** Every budget's status, the largest fraction of its limit first. */
  budgets: BudgetStatus[];
}

interface Payload {
  sessionId: string;
  transcriptPath: string | undefined;
}

function readPayload(): Payload {
  // Run by hand at a terminal there is no payload: say so instead of waiting for one.
  // (isatty, not process.stdin.isTTY: that would build a stdin stream this never reads.)
  if (isatty(0)) throw new Error('expects the status-line JSON on stdin');
  const text = readFileSync(0, 'utf8');
  let p: { session_id?: unknown; transcript_path?: unknown } | null;
  try {
    p = JSON.parse(text) as typeof p;
  } catch (err) {
    throw new Error(`stdin is not the status-line JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (p === null || typeof p !== 'object') throw new Error('stdin is not a JSON object');
  const transcriptPath =
    typeof p.transcript_path === 'string' && p.transcript_path.trim() !== '' ? p.transcript_path : undefined;
  let sessionId = typeof p.session_id === 'string' && p.session_id.trim() !== '' ? p.session_id : undefined;
  if (sessionId === undefined && transcriptPath !== undefined) sessionId = basename(transcriptPath, '.jsonl');
  if (sessionId === undefined) throw new Error('the status-line JSON has no session_id or transcript_path');
  return { sessionId, transcriptPath };
}

/** The ledger home as the SDK resolves it: --ledger-home, else RELAYBURN_HOME, else ~/.relayburn. */
function ledgerHomeDir(explicit: string | undefined): string {
  if (explicit !== undefined && explicit.trim() !== '') return explicit;
  const env = process.env.RELAYBURN_HOME;
  if (env !== undefined && env !== '') return env;
  return join(homedir(), '.relayburn');
}

/** Appends one line to the log (0600); never throws. */
function logError(ledgerHome: string | undefined, err: unknown): void {
  try {
    const dir = ledgerHomeDir(ledgerHome);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, STATUSLINE_LOG);
    try {
      if (statSync(file).size > MAX_LOG_BYTES) truncateSync(file, 0);
    } catch {
      // no log yet
    }
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown } | null)?.code;
    const line = `${new Date().toISOString()} ${typeof code === 'string' ? `${code} ` : ''}${message.replace(/\s+/g, ' ')}\n`;
    appendFileSync(file, line, { mode: 0o600 });
    chmodSync(file, 0o600);
  } catch {
    // The status line must not fail because its log cannot be written.
  }
}

async function compute(
  payload: Payload,
  zone: { timezone: string; weekStart: 'monday' | 'sunday' | undefined },
  ledgerHome: string | undefined,
): Promise<StatuslineResult> {
  if (payload.transcriptPath !== undefined) {
    const report = await ingest({ sessionFile: payload.transcriptPath, ledgerHome });
    // Bad lines are counted and skipped as in any ingest; a file that cannot be read is an error.
    const fileError = report.errors.find((e) => e.line === undefined);
    if (fileError) throw new Error(`${fileError.file}: ${fileError.message}`);
  }
  const [cost, today, status] = await Promise.all([
    sessionCost({ sessionId: payload.sessionId, ledgerHome }),
    summary({ since: 'today', timezone: zone.timezone, weekStart: zone.weekStart, ledgerHome }),
    budgetStatus({ timezone: zone.timezone, weekStart: zone.weekStart, ledgerHome }),
  ]);
  return {
    sessionCostUsd: cost.totals.costUsd,
    todayCostUsd: today.totals.costUsd,
    budgets: [...status].sort((a, b) => b.fraction - a.fraction || a.name.localeCompare(b.name)),
  };
}

/** `$1.24 session · $18.40 today · reviewers 62% of $200/mo` */
export function statuslineText(r: StatuslineResult): string {
  const parts = [`${formatUsd(r.sessionCostUsd)} session`, `${formatUsd(r.todayCostUsd)} today`];
  const top = r.budgets[0];
  if (top) {
    const over = top.state === 'over' ? ' (over)' : '';
    parts.push(
      `${top.name} ${Math.round(top.fraction * 100)}% of ${limitLabel(top.limitUsd, top.period)}${over}`,
    );
  }
  return visible(parts.join(' · '));
}

export const statuslineCommand: Command = {
  name: 'statusline',
  summary: "Claude Code's status line: session cost, today, budget (never fails)",
  help,
  flags: { ...ZONE_FLAGS },
  async run(ctx) {
    try {
      if (ctx.args.length > 0) throw new Error(`statusline takes no arguments, got '${ctx.args[0]}'`);
      const zone = chooseZone(ctx);
      const payload = readPayload();
      const result = await compute(payload, zone, ctx.ledgerHome);
      process.stdout.write(ctx.out.json ? `${JSON.stringify(result)}\n` : `${statuslineText(result)}\n`);
    } catch (err) {
      logError(ctx.ledgerHome, err);
      process.stdout.write(
        ctx.out.json
          ? `${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`
          : `${STATUSLINE_MARKER}\n`,
      );
    }
    return 0;
  },
};
