import { status } from '@relayburn/sdk';
import { formatBytes, formatCount, type Output, printFields, printJson } from '../output.js';

export const statusHelp = `Usage: burn status [--json]

Show where the ledger lives, its schema version, its size and what it holds.

Examples:
  burn status
  burn status --json
  RELAYBURN_HOME=/tmp/burn burn status`;

export async function runStatus(ledgerHome: string | undefined, out: Output): Promise<void> {
  const s = await status({ ledgerHome });
  if (out.json) {
    printJson(s);
    return;
  }
  printFields([
    ['ledger home', s.ledgerHome],
    ['ledger', `${s.ledgerPath} (${formatBytes(s.ledgerBytes)})`],
    ['schema', `v${s.schemaVersion}`],
    ['sessions', formatCount(s.sessions)],
    ['turns', formatCount(s.turns)],
    ['stamps', formatCount(s.stamps)],
    ['pending stamps', formatCount(s.pendingStamps)],
    ['last ingest', s.lastIngestAt ?? 'never'],
  ]);
}
