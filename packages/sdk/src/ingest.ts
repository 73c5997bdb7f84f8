import { callNative } from './native.js';
import { ingestSchema } from './schemas.js';
import type { IngestOptions, IngestReport } from './types.js';
import { parseOptions } from './validate.js';

let nextToken = 1;

/**
 * Reads new session-log bytes into the ledger: one pass over the harness stores (or one
 * `sessionFile`). Unchanged files are only stat'ed; changed files are read from where the
 * last pass stopped. Bad lines are skipped and counted, unreadable files reported in
 * `errors`; neither is fatal. Safe to run beside other writers.
 *
 * Aborting `signal` stops the run early and rejects with the signal's reason; everything
 * already committed stays (the next pass continues from there).
 *
 * @example
 * ```ts
 * import { ingest, summary } from '@relayburn/sdk';
 * const report = await ingest({ onProgress: (p) => console.log(`${p.filesDone}/${p.filesTotal}`) });
 * console.log(`${report.turnsAdded} new turns`);
 * ```
 */
export async function ingest(options: IngestOptions = {}): Promise<IngestReport> {
  const { onProgress, signal, ...rest } = parseOptions('ingest', ingestSchema, options);
  signal?.throwIfAborted();
  const token = nextToken++;
  const onAbort = () => {
    void callNative('ingest', async (b) => b.cancelIngest(token));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { cancelled, ...report } = await callNative('ingest', (b) =>
      b.ingest(rest, onProgress ?? null, signal ? token : null),
    );
    if (cancelled && signal?.aborted) throw signal.reason;
    return report;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
