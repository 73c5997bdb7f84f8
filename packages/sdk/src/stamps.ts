import { callNative } from './native.js';
import { stampsSchema, writeStampSchema } from './schemas.js';
import type { Stamp, StampReceipt, StampsOptions, WriteStampOptions } from './types.js';
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
  const o = parseOptions('writeStamp', writeStampSchema, options);
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
  const o = parseOptions('stamps', stampsSchema, options);
  return callNative('stamps', (b) => b.stamps(o));
}
