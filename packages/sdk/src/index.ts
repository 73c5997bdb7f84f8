/**
 * `@relayburn/sdk`: a local cost ledger of coding-agent sessions, with labels (stamps).
 * Every function is async, runs off the JS thread, validates its options, and rejects with a
 * {@link BurnError} carrying a stable `code`.
 */
export { BURN_ERROR_CODES, BurnError, type BurnErrorCode } from './errors.js';
export { stamps, writeStamp } from './stamps.js';
export { status } from './status.js';
export type {
  LedgerOptions,
  Stamp,
  StampReceipt,
  StampsOptions,
  Status,
  WriteStampOptions,
} from './types.js';
