// ESM entry: re-exports the CommonJS implementation so ESM and CJS users share one module
// instance (one BurnError class, one connection pool). Names must match index.ts (tested).

export type {
  BurnErrorCode,
  LedgerOptions,
  Stamp,
  StampReceipt,
  StampsOptions,
  Status,
  WriteStampOptions,
} from './index.js';
export { BURN_ERROR_CODES, BurnError, stamps, status, writeStamp } from './index.js';
