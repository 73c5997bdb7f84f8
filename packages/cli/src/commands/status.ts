import { type Status, status } from '@relayburn/sdk';
import type { Command } from '../command.js';
import { formatBytes, formatCount, type Output, printFields, printJson } from '../output.js';
import { UsageError } from '../usage.js';

const statusHelp = `Usage: burn status [--json]

Where the ledger lives, its schema version and size, what it holds and when logs were
last ingested. Creates an empty ledger if there is none yet.

Examples:
  burn status
  burn status --json
  RELAYBURN_HOME=/tmp/burn burn status`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'where the ledger is, its schema, size and counts, last ingest',
  help: statusHelp,
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`status takes no arguments, got '${ctx.args[0]}'`);
    const s = await status({ ledgerHome: ctx.ledgerHome });
    if (ctx.out.json) printJson(s);
    else printStatus(s, ctx.out);
    return 0;
  },
};

/**
 * One row per field. Fields added to `Status` later (content mode, pending stamps) get one
 * row each here, printed only when the SDK reports them.
 */
function printStatus(s: Status, _out: Output): void {
  const rows: Array<[string, string]> = [
    ['ledger home', s.ledgerHome],
    ['ledger', `${s.ledgerPath} (${formatBytes(s.ledgerBytes)})`],
    ['schema', `v${s.schemaVersion}`],
    ['sessions', formatCount(s.sessions)],
    ['turns', formatCount(s.turns)],
    ['stamps', formatCount(s.stamps)],
    ['pending stamps', formatCount(s.pendingStamps)],
    ['last ingest', s.lastIngestAt ?? 'never (run `burn ingest`)'],
  ];
  // Per harness after the totals, only those with sessions (--json lists every harness).
  const per: Array<[string, string]> = (s.harnesses ?? [])
    .filter((h) => h.sessions > 0)
    .map((h) => [`  ${h.harness}`, `${formatCount(h.sessions)} sessions, ${formatCount(h.turns)} turns`]);
  rows.splice(5, 0, ...per);
  const extra = s as unknown as Record<string, unknown>;
  if (typeof extra.contentMode === 'string') rows.push(['content mode', extra.contentMode]);
  printFields(rows);
}
