import { rebuildState } from '@relayburn/sdk';
import { bool, type Command } from '../command.js';
import { formatCount, printJson } from '../output.js';
import { UsageError } from '../usage.js';
import { printReport, progressBar } from './ingest.js';

const rebuildHelp = `Usage: burn state rebuild [--json] [--quiet]

Re-derive the ledger from the harness logs on disk: delete every row derived from logs
(turns, user turns, compactions, sessions, rollups, read positions) in one transaction,
then read every log again from the start. Stamps are kept, always: a crash or Ctrl-C at any
point loses none, and a later 'burn ingest' completes an interrupted rebuild.

Use it after upgrading relayburn (to count with the new readers) or when numbers look off.
Spend whose logs a harness has since deleted (Claude Code prunes logs after ~30 days) is
not re-derived: after a rebuild the ledger reflects the logs on disk now.

Logs are found as for 'burn ingest' ($CLAUDE_CONFIG_DIR, $CODEX_HOME, $OPENCODE_DATA_DIR…).

Options:
  --quiet   print nothing unless something went wrong
  --json    print {removed, ingest} as JSON

Examples:
  burn state rebuild
  burn state rebuild --json
  burn state rebuild --ledger-home /tmp/burn-copy`;

export const stateRebuildCommand: Command = {
  name: 'state rebuild',
  summary: 're-derive the ledger from the logs (stamps are kept)',
  help: rebuildHelp,
  flags: { quiet: { type: 'boolean', short: 'q' } },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`state rebuild takes no arguments, got '${ctx.args[0]}'`);
    const quiet = bool(ctx, 'quiet');
    const bar = !ctx.out.json && !quiet ? progressBar() : undefined;
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    let result: Awaited<ReturnType<typeof rebuildState>>;
    try {
      result = await rebuildState({ ledgerHome: ctx.ledgerHome, onProgress: bar?.update, signal: ac.signal });
    } catch (err) {
      if (!ac.signal.aborted) throw err;
      process.stderr.write(
        "burn: rebuild interrupted; stamps are kept, run 'burn ingest' to finish reading the logs\n",
      );
      return 130;
    } finally {
      process.off('SIGINT', stop);
      bar?.done();
    }
    if (ctx.out.json) {
      printJson(result);
      return 0;
    }
    const { removed } = result;
    if (!quiet) {
      process.stdout.write(
        `reset: ${formatCount(removed.turns)} turns, ${formatCount(removed.sessions)} sessions, ` +
          `${formatCount(removed.userTurns)} user turns, ${formatCount(removed.compactions)} compactions ` +
          `(stamps kept)\n`,
      );
    }
    printReport(result.ingest, quiet, ctx.out);
    return 0;
  },
};
