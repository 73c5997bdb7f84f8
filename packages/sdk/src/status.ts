import { callNative } from './native.js';
import type { LedgerOptions, Status } from './types.js';
import { parseOptions } from './validate.js';

/**
 * Where the ledger is, its schema version, its size and what it holds. Creates an empty
 * ledger if there is none yet.
 *
 * @example
 * ```ts
 * import { status } from '@relayburn/sdk';
 * const s = await status();
 * console.log(`${s.stamps} stamps in ${s.ledgerPath}`);
 * ```
 */
export async function status(options: LedgerOptions = {}): Promise<Status> {
  const o = parseOptions('status', 'ledgerOptionsSchema', options);
  // Harness keys come from the core's own list: `Harness` by construction.
  return (await callNative('status', (b) => b.status(o))) as Status;
}
