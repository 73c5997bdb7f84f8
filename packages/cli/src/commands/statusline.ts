/**
 * `burn statusline`: Claude Code's `statusLine` command. Everything (reading stdin, ingesting
 * the transcript and its subagent transcripts, the figures, the line's wording, the error
 * marker and `statusline.log`) is the core's, through the SDK's `statusline`: the native
 * `relayburn-statusline` executable calls the same core function and prints the same bytes.
 * This command only maps its flags; it never fails (exit 0), except on a bad command line.
 */
import { statusline } from '@relayburn/sdk';
import type { Command } from '../command.js';
import { bool, str } from '../command.js';
import { writeOut } from '../stdout.js';
import { UsageError } from '../usage.js';
import { ZONE_FLAGS, ZONE_HELP } from '../zone.js';

const help = `Usage: burn statusline [--json]

For Claude Code's status line: reads the status-line JSON on stdin ({"session_id",
"transcript_path", "cwd", "model", …}), ingests that transcript and its subagent
transcripts, and prints one line:

  $1.24 session · $18.40 today · reviewers 62% of $200/mo

the session's cost including its subagents, today's cost (all sessions, your local day),
and the budget with the largest share of its limit used (if any budgets are set).

It never breaks the status line: on any error it prints 'burn: ?', exits 0,
and appends the error to statusline.log in the ledger home.

In ~/.claude/settings.json (relayburn-statusline is the same command without Node, installed
with @relayburn/cli where a native build exists for the platform):
  { "statusLine": { "type": "command", "command": "relayburn-statusline" } }

Options:
${ZONE_HELP}
  --json              print {sessionCostUsd, todayCostUsd, budgets} (budgets most used first)

Examples:
  burn statusline < payload.json
  burn statusline --json --timezone Europe/Paris < payload.json
  echo '{"session_id":"…","transcript_path":"/home/me/.claude/projects/p/….jsonl"}' | burn statusline`;

export const statuslineCommand: Command = {
  name: 'statusline',
  summary: "Claude Code's status line: session cost, today, budget (never fails)",
  help,
  flags: { ...ZONE_FLAGS },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`statusline takes no arguments, got '${ctx.args[0]}'`);
    const text = await statusline({
      json: ctx.out.json,
      timezone: str(ctx, 'timezone'),
      utc: bool(ctx, 'utc'),
      weekStart: str(ctx, 'week-start') as 'monday' | 'sunday' | undefined,
      ledgerHome: ctx.ledgerHome,
    });
    writeOut(`${text}\n`);
    return 0;
  },
};
