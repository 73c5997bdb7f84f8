import { callNative } from './native.js';
import type { PruneContentOptions, PruneContentReport } from './types.js';
import { parseOptions } from './validate.js';

/**
 * Deletes stored conversation content (`$RELAYBURN_HOME/content.sqlite`) of messages older
 * than `olderThanDays`, by message time. `0` clears the store; `"forever"` keeps everything.
 * Deleted text is overwritten on disk, not just unlinked. Ingest also prunes, with the
 * configured retention (`RELAYBURN_CONTENT_TTL_DAYS`, `content.ttlDays` in `config.json`,
 * default 90 days).
 *
 * @example
 * ```ts
 * import { pruneContent } from '@relayburn/sdk';
 * const { blocksDeleted } = await pruneContent({ olderThanDays: 30 });
 * ```
 */
export async function pruneContent(options: PruneContentOptions): Promise<PruneContentReport> {
  const o = parseOptions('pruneContent', 'pruneContentSchema', options);
  return callNative('pruneContent', (b) => b.pruneContent(o));
}
