import { pruneContent } from '@relayburn/sdk';
import { formatCount, type Output, printJson } from '../output.js';
import { UsageError } from '../usage.js';

export const contentHelp = `Usage: burn content prune --days <n|forever> [--json]

The content store ($RELAYBURN_HOME/content.sqlite) keeps the conversation text of ingested
sessions (see 'burn session <id> --content'). 'prune' deletes the content of messages older
than <n> days (0 deletes all of it; 'forever' keeps everything). Ingest also prunes with the
configured retention (RELAYBURN_CONTENT_TTL_DAYS or content.ttlDays in config.json; default 90).

Examples:
  burn content prune --days 30
  burn content prune --days 0      # forget all stored conversation text`;

export async function runContent(
  words: readonly string[],
  days: string | undefined,
  ledgerHome: string | undefined,
  out: Output,
): Promise<void> {
  const [sub, ...extra] = words;
  if (sub !== 'prune')
    throw new UsageError(sub ? `unknown content command '${sub}'` : 'content needs a command: prune');
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
