import { pruneContent } from '@relayburn/sdk';
import { type Command, str } from '../command.js';
import { formatCount, type Output, printJson } from '../output.js';
import { UsageError } from '../usage.js';

const contentHelp = `Usage: burn content prune --days <n|forever> [--json]

The content store ($RELAYBURN_HOME/content.sqlite) keeps the conversation text of ingested
sessions (see 'burn session <id> --content'). 'prune' deletes the content of messages older
than <n> days (0 deletes all of it; 'forever' keeps everything). Ingest also prunes with the
configured retention (RELAYBURN_CONTENT_TTL_DAYS or content.ttlDays in config.json; default 90).

Examples:
  burn content prune --days 30
  burn content prune --days 0      # forget all stored conversation text`;

export const contentPruneCommand: Command = {
  name: 'content prune',
  summary: 'delete stored conversation text older than --days <n|forever>',
  help: contentHelp,
  flags: { days: { type: 'string' } },
  async run(ctx) {
    await runPrune(ctx.args, str(ctx, 'days'), ctx.ledgerHome, ctx.out);
    return 0;
  },
};

async function runPrune(
  extra: readonly string[],
  days: string | undefined,
  ledgerHome: string | undefined,
  out: Output,
): Promise<void> {
  if (extra.length > 0) throw new UsageError(`content prune takes no arguments, got '${extra[0]}'`);
  if (days === undefined) throw new UsageError('content prune needs --days <n|forever>');
  let olderThanDays: number | 'forever';
  if (days === 'forever') olderThanDays = 'forever';
  else if (/^\d+$/.test(days)) olderThanDays = Number(days);
  else throw new UsageError(`--days must be a whole number of days or 'forever', got '${days}'`);
  const r = await pruneContent({ olderThanDays, ledgerHome });
  if (out.json) {
    printJson(r);
    return;
  }
  process.stdout.write(`deleted ${formatCount(r.blocksDeleted)} content blocks\n`);
}
