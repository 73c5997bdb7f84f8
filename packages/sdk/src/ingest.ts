import { callNative, type NativeBinding } from './native.js';
import type {
  IngestOptions,
  IngestReport,
  RebuildReport,
  RebuildStateOptions,
  WatchOptions,
} from './types.js';
import { parseOptions } from './validate.js';

/**
 * The signal handed to the binding for one run: it aborts when the caller's `signal` does and
 * when a user callback throws (the native run then stops at its next check). The binding polls
 * it through napi-rs's `AbortSignal` support; nothing is registered globally.
 */
function runSignal(signal: AbortSignal | undefined): {
  signal: AbortSignal;
  stop: () => void;
  dispose: () => void;
} {
  const own = new AbortController();
  const onAbort = () => own.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: own.signal,
    stop: () => own.abort(),
    dispose: () => signal?.removeEventListener('abort', onAbort),
  };
}

/**
 * Lets progress calls the native run queued before it finished reach the callback: they travel
 * on their own queue, which the event loop may serve after the run's completion.
 */
const drainCallbacks = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Wraps a user callback so that an exception never reaches the native thread-safe call (where it
 * would be an uncaught exception in the host, or leave a watch running forever): the first
 * exception is kept, the run is asked to stop, and later calls are dropped. The caller rejects
 * with `failure()` once the native run has settled.
 */
function guardCallback<A extends unknown[]>(
  fn: ((...args: A) => void) | undefined,
  stop: () => void,
): { call: ((...args: A) => void) | null; failure: () => { error: unknown } | undefined } {
  if (!fn) return { call: null, failure: () => undefined };
  let failed: { error: unknown } | undefined;
  const call = (...args: A) => {
    if (failed) return;
    try {
      fn(...args);
    } catch (error) {
      failed = { error };
      stop();
    }
  };
  return { call, failure: () => failed };
}

/**
 * Reads new session-log bytes into the ledger: one pass over the harness stores (or one
 * `sessionFile`). Unchanged files are only stat'ed; changed files are read from where the
 * last pass stopped. Bad lines are skipped and counted, unreadable files reported in
 * `errors`; neither is fatal. Safe to run beside other writers.
 *
 * Aborting `signal` stops the run early and rejects with the signal's reason; everything
 * already committed stays (the next pass continues from there). An `onProgress` that throws
 * stops the run the same way, and the promise rejects with what it threw.
 *
 * @example
 * ```ts
 * import { ingest, summary } from '@relayburn/sdk';
 * const report = await ingest({ onProgress: (p) => console.log(`${p.filesDone}/${p.filesTotal}`) });
 * console.log(`${report.turnsAdded} new turns`);
 * ```
 */
export async function ingest(options: IngestOptions = {}): Promise<IngestReport> {
  const { onProgress, signal, ...rest } = parseOptions('ingest', 'ingestSchema', options);
  signal?.throwIfAborted();
  const run = runSignal(signal);
  const progress = guardCallback(onProgress, run.stop);
  try {
    let result: Awaited<ReturnType<NativeBinding['ingest']>>;
    try {
      result = await callNative('ingest', (b) => b.ingest(rest, progress.call, run.signal));
    } catch (err) {
      throw progress.failure()?.error ?? (signal?.aborted ? signal.reason : err);
    }
    // Without a callback there is nothing queued to wait for (a no-change pass returns at once).
    if (progress.call) await drainCallbacks();
    const failed = progress.failure();
    if (failed) throw failed.error;
    const { cancelled, ...report } = result;
    if (cancelled && signal?.aborted) throw signal.reason;
    return report;
  } finally {
    run.dispose();
  }
}

/**
 * Keeps the ledger current: ingests now, then again whenever the harness stores change
 * (the files named by filesystem events, with a periodic full pass as fallback), until
 * `signal` aborts.
 * The promise resolves once the watch has stopped. An `onReport` that throws stops the watch, and
 * the promise rejects with what it threw.
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
  const { onReport, signal, ...rest } = parseOptions('watch', 'watchSchema', options);
  if (signal?.aborted) return;
  const run = runSignal(signal);
  const report = guardCallback(
    onReport
      ? ({ cancelled: _c, ...r }: Awaited<ReturnType<NativeBinding['ingest']>>) => onReport(r)
      : undefined,
    run.stop,
  );
  try {
    try {
      await callNative('watch', (b) => b.watch(rest, report.call, run.signal));
    } catch (err) {
      const failed = report.failure();
      if (failed) throw failed.error;
      // Aborted before the native work started: the watch simply never ran.
      if (signal?.aborted) return;
      throw err;
    }
    const failed = report.failure();
    if (failed) throw failed.error;
  } finally {
    run.dispose();
  }
}

/**
 * Re-derives the ledger from the harness logs on disk: deletes every row derived from logs
 * (turns, user turns, compactions, sessions, rollups, cursors) in one transaction, then reads
 * every log again from the start. Stamps are never touched, so a crash at any instant loses
 * none; a crash or abort after the reset leaves a consistent, partly re-read ledger that the
 * next {@link ingest} completes.
 *
 * Use it after upgrading to a relayburn that reads logs better, or when in doubt. Spend whose
 * logs a harness has since pruned (Claude Code deletes them after ~30 days) is not re-derived.
 *
 * @example
 * ```ts
 * import { rebuildState } from '@relayburn/sdk';
 * const { removed, ingest } = await rebuildState();
 * console.log(`${removed.turns} turns before, ${ingest.turnsAdded} after; stamps kept`);
 * ```
 */
export async function rebuildState(options: RebuildStateOptions = {}): Promise<RebuildReport> {
  const { onProgress, signal, ...rest } = parseOptions('rebuildState', 'rebuildStateSchema', options);
  signal?.throwIfAborted();
  const run = runSignal(signal);
  const progress = guardCallback(onProgress, run.stop);
  try {
    let result: Awaited<ReturnType<NativeBinding['rebuildState']>>;
    try {
      result = await callNative('rebuildState', (b) => b.rebuildState(rest, progress.call, run.signal));
    } catch (err) {
      throw progress.failure()?.error ?? (signal?.aborted ? signal.reason : err);
    }
    await drainCallbacks();
    const failed = progress.failure();
    if (failed) throw failed.error;
    const {
      removed,
      ingest: { cancelled, ...report },
    } = result;
    if (cancelled && signal?.aborted) throw signal.reason;
    return { removed, ingest: report };
  } finally {
    run.dispose();
  }
}
