import { callNative } from './native.js';
import type {
  ExportStampsResult,
  ImportStampsResult,
  PendingStampReceipt,
  Stamp,
  StampReceipt,
  StampsFileOptions,
  StampsOptions,
  WritePendingStampOptions,
  WriteStampOptions,
} from './types.js';
import { parseOptions } from './validate.js';

/**
 * Labels a session (or one message) in the ledger. The labels apply at query time to turns
 * already ingested and to turns ingested later; when stamps disagree on a key, the later `ts`
 * wins (then the later write).
 *
 * @example
 * ```ts
 * import { writeStamp } from '@relayburn/sdk';
 * const sessionId = crypto.randomUUID();
 * await writeStamp({ sessionId, enrichment: { spawner: 'pear', persona: 'reviewer' } });
 * // then: spawn `claude --session-id ${sessionId}`
 * ```
 */
export async function writeStamp(options: WriteStampOptions): Promise<StampReceipt> {
  const o = parseOptions('writeStamp', 'writeStampSchema', options);
  return callNative('writeStamp', (b) => b.writeStamp(o));
}

/**
 * Lists stamps in fold order (by `ts`, then write sequence), optionally for one session or
 * message.
 *
 * @example
 * ```ts
 * import { stamps } from '@relayburn/sdk';
 * for (const s of await stamps({ sessionId: 'f3a…' })) console.log(s.ts, s.enrichment);
 * ```
 */
export async function stamps(options: StampsOptions = {}): Promise<Stamp[]> {
  const o = parseOptions('stamps', 'stampsSchema', options);
  return callNative('stamps', (b) => b.stamps(o));
}

/**
 * Labels the next session a launcher spawns when it cannot choose the session id (Codex,
 * OpenCode). Call it just before spawning; the next ingest gives the labels to the first new
 * session of `harness` whose working directory is `cwd` (both sides with symlinks resolved)
 * and whose first event is at or after `spawnStartTs` (2 s of clock slack), inside
 * `sessionDirHint` if given. Launches in one directory pair with sessions in spawn order
 * (oldest pending stamp first); each stamp is claimed by one session and each session claims
 * one stamp, even with concurrent ingesters. A claimed stamp becomes an ordinary session stamp
 * with the same id and `ts = spawnStartTs`. Unclaimed stamps expire after 24 h.
 *
 * @example
 * ```ts
 * import { spawn } from 'node:child_process';
 * import { writePendingStamp } from '@relayburn/sdk';
 * const cwd = process.cwd();
 * await writePendingStamp({ harness: 'codex', cwd, enrichment: { spawner: 'pear', persona: 'reviewer' } });
 * spawn('codex', ['exec', 'review the diff'], { cwd, stdio: 'inherit' });
 * ```
 */
export async function writePendingStamp(options: WritePendingStampOptions): Promise<PendingStampReceipt> {
  const o = parseOptions('writePendingStamp', 'writePendingStampSchema', options);
  return callNative('writePendingStamp', (b) => b.writePendingStamp(o));
}

/**
 * Writes every stamp to `path` as JSONL (one `Stamp` object per line, in fold order),
 * atomically. Stamps are the one part of the ledger that cannot be re-derived from logs; the
 * file carries them to another ledger losslessly with {@link importStamps}. Pending stamps
 * not yet claimed are not exported.
 *
 * @example
 * ```ts
 * import { exportStamps } from '@relayburn/sdk';
 * const { stamps } = await exportStamps({ path: 'stamps.jsonl' });
 * ```
 */
export async function exportStamps(options: StampsFileOptions): Promise<ExportStampsResult> {
  const o = parseOptions('exportStamps', 'stampsFileSchema', options);
  return callNative('exportStamps', (b) => b.exportStamps(o));
}

/**
 * Adds the stamps of a JSONL file written by {@link exportStamps}, keeping their ids, times and
 * order. Idempotent: stamps whose id the ledger already has are skipped. Every line is
 * checked before anything is written; a bad line fails the whole import with
 * `INVALID_ARGUMENT` (field `path`, the message names the line).
 *
 * @example
 * ```ts
 * import { importStamps } from '@relayburn/sdk';
 * const { imported, skipped } = await importStamps({ path: 'stamps.jsonl' });
 * ```
 */
export async function importStamps(options: StampsFileOptions): Promise<ImportStampsResult> {
  const o = parseOptions('importStamps', 'stampsFileSchema', options);
  return callNative('importStamps', (b) => b.importStamps(o));
}
