import { callNative } from './native.js';
import { ingestSchema, watchSchema } from './schemas.js';
import type { IngestOptions, IngestReport, WatchOptions } from './types.js';
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

/**
 * Keeps the ledger current: ingests now, then again whenever the harness stores change
 * (the files named by filesystem events, with a periodic full pass as fallback), until
 * `signal` aborts.
 * The promise resolves once the watch has stopped.
 *
 * @example
 * ```ts
 * import { watch } from '@relayburn/sdk';
 * const ac = new AbortController();
 * process.on('SIGINT', () => ac.abort());
 * await watch({ signal: ac.signal, onReport: (r) => console.log(`+${r.turnsAdded} turns`) });
 * ```
 */
export async function watch(options: WatchOptions = {}): Promise<void> {
  const { onReport, signal, ...rest } = parseOptions('watch', watchSchema, options);
  if (signal?.aborted) return;
  const token = nextToken++;
  const onAbort = () => {
    void callNative('watch', async (b) => b.cancelIngest(token));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await callNative('watch', (b) =>
      b.watch(rest, onReport ? ({ cancelled: _c, ...report }) => onReport(report) : null, token),
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
